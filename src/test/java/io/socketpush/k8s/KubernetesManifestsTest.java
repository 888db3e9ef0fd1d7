package io.socketpush.k8s;

import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.kubernetes.client.custom.IntOrString;
import io.kubernetes.client.custom.Quantity;
import io.kubernetes.client.openapi.JSON;
import io.kubernetes.client.openapi.models.V1ConfigMap;
import io.kubernetes.client.openapi.models.V1Container;
import io.kubernetes.client.openapi.models.V1ContainerPort;
import io.kubernetes.client.openapi.models.V1Deployment;
import io.kubernetes.client.openapi.models.V1EnvVar;
import io.kubernetes.client.openapi.models.V1HTTPGetAction;
import io.kubernetes.client.openapi.models.V1Ingress;
import io.kubernetes.client.openapi.models.V1IngressServiceBackend;
import io.kubernetes.client.openapi.models.V1LabelSelector;
import io.kubernetes.client.openapi.models.V1LabelSelectorRequirement;
import io.kubernetes.client.openapi.models.V1PodDisruptionBudget;
import io.kubernetes.client.openapi.models.V1PodSecurityContext;
import io.kubernetes.client.openapi.models.V1PodSpec;
import io.kubernetes.client.openapi.models.V1Probe;
import io.kubernetes.client.openapi.models.V1SecurityContext;
import io.kubernetes.client.openapi.models.V1Service;
import io.kubernetes.client.openapi.models.V1ServicePort;
import io.kubernetes.client.openapi.models.V1Volume;
import io.kubernetes.client.openapi.models.V1VolumeMount;
import io.kubernetes.client.openapi.models.V2HorizontalPodAutoscaler;
import io.kubernetes.client.openapi.models.V2MetricSpec;
import io.socketpush.TestService;
import io.socketpush.config.ConfigLoader;
import io.socketpush.config.ServiceConfig;
import io.socketpush.config.Setting;
import io.socketpush.config.Settings;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The Kubernetes manifests in {@code k8s/} (applied with {@code kubectl apply -k k8s/}) and the
 * {@code Dockerfile}, checked without a cluster.
 *
 * <p><b>Schema.</b> Every document of every file the kustomization lists is read into the model class
 * of its apiVersion and kind from the official Kubernetes Java client ({@code io.kubernetes:client-java-api}),
 * which is generated from the Kubernetes OpenAPI spec: reading fails on a field the schema does not
 * have (a misspelt {@code contaniers}), a missing required field (a Deployment without
 * {@code selector}), a value of the wrong type ({@code replicas: "three"}) and a malformed quantity.
 * The model is then written back, and what comes back must equal what was read: that catches what
 * the reader would otherwise coerce silently ({@code replicas: "3"}, {@code replicas: 3.5}, a number
 * where the API wants a string). Quantities must therefore be written as strings ({@code cpu: "2"}).
 * A kind this test has no model for fails too, so nothing goes unchecked. Where {@code kubectl} is
 * installed, the output of {@code kubectl kustomize k8s} (the objects really applied, with the
 * generated ConfigMap) is checked the same way.
 *
 * <p><b>Cross-references.</b> The configuration a pod runs with ({@code k8s/config.json} plus the
 * Deployment's environment, downward-API values filled in) is parsed by the service's own
 * {@link ServiceConfig}; its ports, cluster settings and drain time are then held against the
 * container ports, probes, Services, PDB, HPA, Ingress and Dockerfile. The probe paths are asked of a
 * real node started from that configuration.
 */
class KubernetesManifestsTest {
  private static final Path ROOT = Path.of(System.getProperty("user.dir"));
  private static final Path K8S = ROOT.resolve("k8s");
  private static final Path CONF = ROOT.resolve("conf/config.json");

  /** What the downward API would give a pod: stand-ins, to resolve the Deployment's environment. */
  private static final String SAMPLE_POD_IP = "10.244.1.23";
  private static final String SAMPLE_NAMESPACE = "push-sample";
  private static final Map<String, String> DOWNWARD_API = Map.of(
      "status.podIP", SAMPLE_POD_IP,
      "metadata.namespace", SAMPLE_NAMESPACE,
      "metadata.name", "socket-push-5f7d8c9b6-abcde",
      "spec.nodeName", "node-1");

  /** The service's probe endpoints (io.socketpush.server.Routes), and the drain contract behind them. */
  private static final String LIVENESS_PATH = "/health/live";
  private static final String READINESS_PATH = "/health/ready";

  /**
   * After SIGTERM, Main gives the drain shutdown.graceMs plus 1 s, then Vert.x 2 s to close (Hazelcast
   * leaving the cluster among it): the longest a pod can take once signalled.
   */
  private static final long SHUTDOWN_OVERHEAD_MS = 3000;

  /** The kinds the manifests may hold, each with its model generated from the Kubernetes OpenAPI spec. */
  private static final Map<String, Class<?>> MODELS = Map.of(
      "apps/v1 Deployment", V1Deployment.class,
      "v1 Service", V1Service.class,
      "v1 ConfigMap", V1ConfigMap.class,
      "policy/v1 PodDisruptionBudget", V1PodDisruptionBudget.class,
      "autoscaling/v2 HorizontalPodAutoscaler", V2HorizontalPodAutoscaler.class,
      "networking.k8s.io/v1 Ingress", V1Ingress.class);

  private static final ObjectMapper JSON_MAPPER = new ObjectMapper();
  /** Duplicate keys are an error for kubectl; here too. */
  private static final YAMLMapper YAML = new YAMLMapper(YAMLFactory.builder()
      .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build());

  // ---------------------------------------------------------------- loading and schema validation

  /** One YAML document: where it came from, as read, and as the Kubernetes model it validated into. */
  record Manifest(String source, JsonNode tree, Object model) {
  }

  /** A document that did not validate: every problem found, with its source. */
  static final class InvalidManifest extends AssertionError {
    InvalidManifest(String source, List<String> problems) {
      super(source + ":\n  " + String.join("\n  ", problems));
    }
  }

  /** Reads every document of a YAML stream and validates each; throws on the first invalid one. */
  static List<Manifest> parse(String source, String yaml) {
    List<Manifest> manifests = new ArrayList<>();
    List<JsonNode> documents;
    try (MappingIterator<JsonNode> it = YAML.readerFor(JsonNode.class).readValues(yaml)) {
      documents = it.readAll();
    } catch (IOException | RuntimeException e) {
      throw new InvalidManifest(source, List.of("not YAML: " + e.getMessage()));
    }
    for (int i = 0; i < documents.size(); i++) {
      JsonNode doc = documents.get(i);
      if (doc == null || doc.isNull() || doc.isMissingNode()) {
        continue;
      }
      String where = documents.size() > 1 ? source + " (document " + (i + 1) + ")" : source;
      manifests.add(new Manifest(where, doc, validate(where, doc)));
    }
    return manifests;
  }

  /** The document as its Kubernetes model, or {@link InvalidManifest} saying why not. */
  static Object validate(String where, JsonNode doc) {
    if (!doc.isObject()) {
      throw new InvalidManifest(where, List.of("not a mapping"));
    }
    String type = doc.path("apiVersion").asText("?") + " " + doc.path("kind").asText("?");
    Class<?> model = MODELS.get(type);
    if (model == null) {
      throw new InvalidManifest(where, List.of("no schema here for " + type + " (known: " + new TreeSet<>(MODELS.keySet()) + ")"));
    }
    Object object;
    try {
      object = JSON.deserialize(doc.toString(), model);
    } catch (RuntimeException e) {
      throw new InvalidManifest(where, List.of(type + ": " + rootMessage(e)));
    }
    List<String> problems = new ArrayList<>();
    try {
      difference("", doc, JSON_MAPPER.readTree(JSON.serialize(object)), problems);
    } catch (IOException e) {
      throw new AssertionError(e);
    }
    if (!problems.isEmpty()) {
      throw new InvalidManifest(where, problems);
    }
    return object;
  }

  /** Where the model, written back, differs from what was read: a value the schema did not take as given. */
  private static void difference(String path, JsonNode read, JsonNode written, List<String> problems) {
    boolean readAbsent = read == null || read.isNull() || read.isMissingNode();
    // the models start their lists and maps empty: an empty one written back stands for none
    boolean writtenAbsent = written == null || written.isNull() || written.isMissingNode()
        || (readAbsent && written.isContainerNode() && written.isEmpty());
    if (readAbsent || writtenAbsent) {
      if (readAbsent != writtenAbsent) {
        problems.add(field(path) + ": " + (readAbsent ? "appeared as " + written : read + " was dropped"));
      }
      return;
    }
    if (read.isObject() && written.isObject()) {
      Set<String> names = new LinkedHashSet<>();
      read.fieldNames().forEachRemaining(names::add);
      written.fieldNames().forEachRemaining(names::add);
      for (String name : names) {
        difference(path + "." + name, read.get(name), written.get(name), problems);
      }
    } else if (read.isArray() && written.isArray() && read.size() == written.size()) {
      for (int i = 0; i < read.size(); i++) {
        difference(path + "[" + i + "]", read.get(i), written.get(i), problems);
      }
    } else if (read.isNumber() && written.isNumber()) {
      if (read.decimalValue().compareTo(written.decimalValue()) != 0) {
        problems.add(field(path) + ": " + read + " is read as " + written + " (wrong type)");
      }
    } else if (!read.equals(written)) {
      problems.add(field(path) + ": " + read + " is read as " + written + " (wrong type or form)");
    }
  }

  private static String field(String path) {
    return path.isEmpty() ? "(document)" : path.substring(1);
  }

  private static String rootMessage(Throwable e) {
    Throwable t = e;
    while (t.getCause() != null && t.getCause() != t) {
      t = t.getCause();
    }
    String message = t.getMessage() == null ? t.toString() : t.getMessage();
    int json = message.indexOf(" JSON: "); // client-java appends the whole object
    if (json > 0) {
      message = message.substring(0, json);
    }
    return message.length() > 400 ? message.substring(0, 400) + "..." : message;
  }

  private static JsonNode kustomization() throws IOException {
    return YAML.readTree(K8S.resolve("kustomization.yaml").toFile());
  }

  private static List<String> resourceFiles() throws IOException {
    List<String> files = new ArrayList<>();
    kustomization().path("resources").forEach(r -> files.add(r.asText()));
    return files;
  }

  private static List<Manifest> cached;

  /** Every document the kustomization lists, validated. */
  private static synchronized List<Manifest> manifests() throws IOException {
    if (cached == null) {
      List<Manifest> all = new ArrayList<>();
      for (String file : resourceFiles()) {
        all.addAll(parse("k8s/" + file, Files.readString(K8S.resolve(file))));
      }
      cached = all;
    }
    return cached;
  }

  private static <T> List<T> all(Class<T> type) throws IOException {
    return manifests().stream().map(Manifest::model).filter(type::isInstance).map(type::cast).toList();
  }

  private static <T> T one(Class<T> type) throws IOException {
    List<T> found = all(type);
    assertEquals(1, found.size(), "expected exactly one " + type.getSimpleName() + " in k8s/");
    return found.get(0);
  }

  private static V1Deployment deployment() throws IOException {
    return one(V1Deployment.class);
  }

  private static V1PodSpec podSpec() throws IOException {
    return deployment().getSpec().getTemplate().getSpec();
  }

  private static V1Container container() throws IOException {
    List<V1Container> containers = podSpec().getContainers();
    assertEquals(1, containers.size(), "one container per pod");
    return containers.get(0);
  }

  private static Map<String, String> podLabels() throws IOException {
    return deployment().getSpec().getTemplate().getMetadata().getLabels();
  }

  private static V1Service service(boolean headless) throws IOException {
    List<V1Service> services = all(V1Service.class).stream()
        .filter(s -> "None".equals(s.getSpec().getClusterIP()) == headless).toList();
    assertEquals(1, services.size(), "expected one " + (headless ? "headless" : "ClusterIP") + " Service");
    return services.get(0);
  }

  // ---------------------------------------------------------------- what the pod runs with

  /** The container's environment as the kubelet would set it, downward-API values filled in, $(VAR) expanded. */
  private static Map<String, String> podEnvironment() throws IOException {
    Map<String, String> env = new LinkedHashMap<>();
    for (V1EnvVar var : Objects.requireNonNullElse(container().getEnv(), List.<V1EnvVar>of())) {
      if (var.getValue() != null) {
        env.put(var.getName(), expand(var.getValue(), env));
      } else if (var.getValueFrom() != null && var.getValueFrom().getFieldRef() != null) {
        String fieldPath = var.getValueFrom().getFieldRef().getFieldPath();
        assertTrue(DOWNWARD_API.containsKey(fieldPath), var.getName() + ": downward API field " + fieldPath + " not known to this test");
        env.put(var.getName(), DOWNWARD_API.get(fieldPath));
      } else if (var.getValueFrom() != null && var.getValueFrom().getSecretKeyRef() != null) {
        // the kustomization creates no Secret: a pod only starts if the reference is optional
        assertEquals(Boolean.TRUE, var.getValueFrom().getSecretKeyRef().getOptional(),
            var.getName() + ": the Secret " + var.getValueFrom().getSecretKeyRef().getName()
                + " is not part of k8s/, so its reference must be optional");
      } else if (var.getValueFrom() != null) {
        fail(var.getName() + ": valueFrom other than fieldRef or an optional secretKeyRef is not checked here");
      }
    }
    return env;
  }

  private static final Pattern REFERENCE = Pattern.compile("\\$\\(([A-Za-z_][A-Za-z0-9_]*)\\)");

  /** Kubernetes' $(VAR) expansion: a variable defined earlier in the list is replaced, anything else is kept. */
  private static String expand(String value, Map<String, String> earlier) {
    Matcher m = REFERENCE.matcher(value);
    StringBuilder out = new StringBuilder();
    while (m.find()) {
      String replacement = earlier.getOrDefault(m.group(1), m.group());
      m.appendReplacement(out, Matcher.quoteReplacement(replacement));
    }
    m.appendTail(out);
    return out.toString();
  }

  /** The service's configuration in a pod: k8s/config.json plus the pod's environment, by the service's own rules. */
  private static ServiceConfig podConfig() throws IOException {
    JsonObject file = new JsonObject(Files.readString(K8S.resolve("config.json")));
    return ServiceConfig.from(ConfigLoader.read(file, podEnvironment(), Map.of()));
  }

  private static List<String> javaOptsOfDeployment() throws IOException {
    String opts = podEnvironment().get("JAVA_OPTS");
    assertNotNull(opts, "the Deployment sets JAVA_OPTS (container-aware JVM flags for the Dockerfile's entrypoint)");
    return Arrays.asList(opts.trim().split("\\s+"));
  }

  private static V1ContainerPort containerPortNamed(String name) throws IOException {
    return Objects.requireNonNullElse(container().getPorts(), List.<V1ContainerPort>of()).stream()
        .filter(p -> name.equals(p.getName())).findFirst()
        .orElseThrow(() -> new AssertionError("the container has no port named '" + name + "'"));
  }

  /** The container port a probe, Service or Ingress refers to, by name or by number. */
  private static V1ContainerPort resolve(IntOrString port, String what) throws IOException {
    assertNotNull(port, what + ": no port");
    if (!port.isInteger()) {
      return containerPortNamed(port.getStrValue());
    }
    return container().getPorts().stream().filter(p -> p.getContainerPort().equals(port.getIntValue())).findFirst()
        .orElseThrow(() -> new AssertionError(what + ": port " + port.getIntValue() + " is not a container port"));
  }

  private static boolean selects(V1LabelSelector selector, Map<String, String> labels) {
    if (selector == null) {
      return false;
    }
    boolean constrained = false;
    if (selector.getMatchLabels() != null) {
      constrained |= !selector.getMatchLabels().isEmpty();
      for (Map.Entry<String, String> e : selector.getMatchLabels().entrySet()) {
        if (!e.getValue().equals(labels.get(e.getKey()))) {
          return false;
        }
      }
    }
    for (V1LabelSelectorRequirement r : Objects.requireNonNullElse(selector.getMatchExpressions(), List.<V1LabelSelectorRequirement>of())) {
      constrained = true;
      String value = labels.get(r.getKey());
      List<String> values = Objects.requireNonNullElse(r.getValues(), List.of());
      boolean ok = switch (r.getOperator()) {
        case "In" -> value != null && values.contains(value);
        case "NotIn" -> value == null || !values.contains(value);
        case "Exists" -> value != null;
        case "DoesNotExist" -> value == null;
        default -> throw new AssertionError("unknown selector operator " + r.getOperator());
      };
      if (!ok) {
        return false;
      }
    }
    return constrained; // an empty selector selects everything in the namespace: never what is meant here
  }

  private static boolean selects(Map<String, String> selector, Map<String, String> labels) {
    return selector != null && !selector.isEmpty() && selector.entrySet().stream()
        .allMatch(e -> e.getValue().equals(labels.get(e.getKey())));
  }

  // ---------------------------------------------------------------- the tests

  @Test
  void everyManifestValidatesAgainstTheKubernetesApiSchema() throws IOException {
    List<String> errors = new ArrayList<>();
    int documents = 0;
    for (String file : resourceFiles()) {
      try {
        documents += parse("k8s/" + file, Files.readString(K8S.resolve(file))).size();
      } catch (InvalidManifest e) {
        errors.add(e.getMessage());
      }
    }
    assertTrue(errors.isEmpty(), "invalid manifests:\n" + String.join("\n", errors));
    assertTrue(documents >= 6, "only " + documents + " documents");
    Set<String> kinds = manifests().stream().map(m -> m.model().getClass().getSimpleName()).collect(Collectors.toSet());
    assertEquals(Set.of("V1Deployment", "V1Service", "V1PodDisruptionBudget", "V2HorizontalPodAutoscaler", "V1Ingress"), kinds);
  }

  /** The validator itself: broken manifests must fail, or a green run would mean nothing. */
  @Test
  void brokenManifestsAreRejected() throws IOException {
    String good = Files.readString(K8S.resolve("deployment.yaml"));
    assertEquals(1, parse("deployment.yaml", good).size());
    String selector = "  selector:\n    matchLabels:\n      app.kubernetes.io/name: socket-push\n"
        + "      app.kubernetes.io/component: server\n  strategy:";
    // what is broken, the broken text, and a word the rejection must name
    List<String[]> broken = List.of(
        new String[] {"a string where an integer belongs", good.replace("replicas: 3", "replicas: \"three\""), "three"},
        new String[] {"a quoted number", good.replace("replicas: 3", "replicas: \"3\""), "spec.replicas"},
        new String[] {"a fraction", good.replace("replicas: 3", "replicas: 3.5"), "spec.replicas"},
        new String[] {"a misspelt field", good.replace("containers:", "contaniers:"), "contaniers"},
        new String[] {"a missing required field", good.replace(selector, "  strategy:"), "selector"},
        new String[] {"a bad quantity", good.replace("memory: 1Gi", "memory: 1 GB"), "quantity"},
        new String[] {"a number where a string belongs", good.replace("value: \"8080\"", "value: 8080"), "env[2].value"},
        new String[] {"a duplicate key", good.replace("  replicas: 3\n", "  replicas: 3\n  replicas: 4\n"), "replicas"},
        new String[] {"a kind without a schema", good.replace("kind: Deployment", "kind: Deploymnet"), "Deploymnet"});
    for (String[] b : broken) {
      assertNotEquals(good, b[1], b[0] + ": the mutation did not apply");
      try {
        parse("deployment.yaml", b[1]);
        fail(b[0] + " was accepted");
      } catch (InvalidManifest expected) {
        assertTrue(expected.getMessage().contains(b[2]), b[0] + " was rejected for another reason: " + expected.getMessage());
      }
    }
  }

  @Test
  void kustomizationListsEveryManifestAndGeneratesTheConfigMap() throws IOException {
    JsonNode kustomization = kustomization();
    assertEquals("kustomize.config.k8s.io/v1beta1", kustomization.path("apiVersion").asText());
    assertEquals("Kustomization", kustomization.path("kind").asText());
    Set<String> onDisk;
    try (Stream<Path> files = Files.list(K8S)) {
      onDisk = files.map(p -> p.getFileName().toString())
          .filter(n -> n.endsWith(".yaml") || n.endsWith(".yml"))
          .filter(n -> !n.equals("kustomization.yaml"))
          .collect(Collectors.toCollection(TreeSet::new));
    }
    assertEquals(onDisk, new TreeSet<>(resourceFiles()), "kustomization.yaml resources must list every manifest in k8s/");

    // the ConfigMap the Deployment mounts is generated from config.json in this directory
    String configMapName = podSpec().getVolumes().stream()
        .filter(v -> v.getConfigMap() != null).map(v -> v.getConfigMap().getName()).findFirst()
        .orElseThrow(() -> new AssertionError("the pod mounts no ConfigMap"));
    JsonNode generator = null;
    for (JsonNode g : kustomization.path("configMapGenerator")) {
      if (configMapName.equals(g.path("name").asText())) {
        generator = g;
      }
    }
    assertNotNull(generator, "no configMapGenerator named " + configMapName);
    List<String> files = new ArrayList<>();
    generator.path("files").forEach(f -> files.add(f.asText()));
    assertEquals(List.of("config.json"), files, "the generated ConfigMap holds config.json");
    assertTrue(Files.isRegularFile(K8S.resolve("config.json")));
  }

  @Test
  void configJsonIsACopyOfConfConfigJson() throws IOException {
    assertEquals(Files.readString(CONF), Files.readString(K8S.resolve("config.json")),
        "k8s/config.json has drifted from conf/config.json: cp conf/config.json k8s/config.json "
            + "(kustomize reads no file outside k8s/, so the ConfigMap is made from the copy)");
  }

  @Test
  void podConfigurationIsValidAndClustersOnKubernetes() throws IOException {
    Map<String, String> env = podEnvironment();
    // every variable is one the service reads, one the entrypoint reads, or one another variable uses
    Set<String> known = Settings.ALL.stream().map(Setting::env).collect(Collectors.toSet());
    Set<String> referenced = new TreeSet<>();
    for (V1EnvVar var : container().getEnv()) {
      if (var.getValue() != null) {
        Matcher m = REFERENCE.matcher(var.getValue());
        while (m.find()) {
          referenced.add(m.group(1));
          assertTrue(env.containsKey(m.group(1)), var.getName() + " uses $(" + m.group(1) + "), which is not defined before it");
        }
      }
    }
    for (V1EnvVar var : container().getEnv()) {
      String name = var.getName();
      assertTrue(known.contains(name) || referenced.contains(name) || name.equals("JAVA_OPTS"),
          name + " is not a variable the service reads (a typo?)");
    }

    ServiceConfig config = podConfig();
    assertAll(
        () -> assertTrue(config.cluster().enabled(), "CLUSTER_ENABLED"),
        () -> assertEquals("kubernetes", config.cluster().discovery(), "CLUSTER_DISCOVERY"),
        () -> assertEquals(SAMPLE_POD_IP, config.cluster().host(), "CLUSTER_HOST must be the pod IP (fieldRef status.podIP)"),
        () -> assertEquals(service(true).getMetadata().getName() + "." + SAMPLE_NAMESPACE + ".svc.cluster.local",
            config.cluster().serviceDns(), "CLUSTER_SERVICE_DNS must name the headless Service in the pod's own namespace"),
        () -> assertNotEquals(0, config.cluster().eventBusPort(), "EVENTBUS_PORT must be fixed to be exposed"),
        () -> assertEquals("0.0.0.0", config.http().host(), "HTTP must listen on every interface of the pod"),
        () -> assertTrue(config.security().tlsCert().isEmpty(), "TLS ends at the ingress; the pods serve plain HTTP"));
  }

  @Test
  void containerPortsAreTheOnesTheServiceListensOn() throws IOException {
    ServiceConfig config = podConfig();
    assertAll(
        () -> assertEquals(config.http().port(), containerPortNamed("http").getContainerPort(), "http port vs HTTP_PORT"),
        () -> assertEquals(config.cluster().port(), containerPortNamed("hazelcast").getContainerPort(), "hazelcast port vs CLUSTER_PORT"),
        () -> assertEquals(config.cluster().eventBusPort(), containerPortNamed("eventbus").getContainerPort(), "eventbus port vs EVENTBUS_PORT"));
    Set<String> names = new LinkedHashSet<>();
    for (V1ContainerPort port : container().getPorts()) {
      assertTrue(names.add(port.getName()), "duplicate container port name " + port.getName());
      assertTrue(port.getName().length() <= 15, "port names are at most 15 characters: " + port.getName());
    }
    Map<String, String> annotations = deployment().getSpec().getTemplate().getMetadata().getAnnotations();
    assertEquals(String.valueOf(config.http().port()), annotations.get("prometheus.io/port"));
    assertEquals("/metrics", annotations.get("prometheus.io/path"));
  }

  @Test
  void selectorsMatchThePodLabels() throws IOException {
    Map<String, String> labels = podLabels();
    assertTrue(selects(deployment().getSpec().getSelector(), labels), "the Deployment's selector must match its pod template");
    for (V1Service service : all(V1Service.class)) {
      assertTrue(selects(service.getSpec().getSelector(), labels), "Service " + service.getMetadata().getName() + " selects no pod");
    }
    V1PodDisruptionBudget pdb = one(V1PodDisruptionBudget.class);
    assertTrue(selects(pdb.getSpec().getSelector(), labels), "the PDB's selector must match the pods");
    podSpec().getTopologySpreadConstraints().forEach(c ->
        assertTrue(selects(c.getLabelSelector(), labels), "topologySpreadConstraints must select the pods"));
  }

  @Test
  void serviceTargetPortsNameContainerPorts() throws IOException {
    for (V1Service service : all(V1Service.class)) {
      for (V1ServicePort port : service.getSpec().getPorts()) {
        String what = "Service " + service.getMetadata().getName() + " port " + port.getName();
        assertNotNull(port.getTargetPort(), what + ": name the container port in targetPort");
        assertFalse(port.getTargetPort().isInteger(), what + ": targetPort should name a container port, not a number");
        V1ContainerPort target = resolve(port.getTargetPort(), what);
        assertEquals(Objects.requireNonNullElse(target.getProtocol(), "TCP"), Objects.requireNonNullElse(port.getProtocol(), "TCP"), what);
      }
    }
    V1Service http = service(false);
    assertTrue(http.getSpec().getPorts().stream().anyMatch(p -> "http".equals(p.getTargetPort().getStrValue())),
        "the HTTP Service forwards to the container's http port");
  }

  @Test
  void headlessServiceExposesTheClusterPortsToNotReadyPods() throws IOException {
    V1Service headless = service(true);
    ServiceConfig config = podConfig();
    assertEquals(Boolean.TRUE, headless.getSpec().getPublishNotReadyAddresses(),
        "members must find each other before they are ready");
    Map<Integer, V1ServicePort> byPort = headless.getSpec().getPorts().stream()
        .collect(Collectors.toMap(V1ServicePort::getPort, p -> p));
    for (int port : List.of(config.cluster().port(), config.cluster().eventBusPort())) {
      V1ServicePort servicePort = byPort.get(port);
      assertNotNull(servicePort, "the headless Service does not expose port " + port);
      assertEquals(port, resolve(servicePort.getTargetPort(), "headless port " + port).getContainerPort());
    }
  }

  @Test
  void probesAskTheServiceItsHealthOnTheHttpPort() throws Exception {
    V1Container container = container();
    int httpPort = podConfig().http().port();
    Map<String, V1Probe> probes = new LinkedHashMap<>();
    probes.put("livenessProbe", container.getLivenessProbe());
    probes.put("readinessProbe", container.getReadinessProbe());
    if (container.getStartupProbe() != null) {
      probes.put("startupProbe", container.getStartupProbe());
    }
    Map<String, String> expected = Map.of("livenessProbe", LIVENESS_PATH, "readinessProbe", READINESS_PATH,
        "startupProbe", LIVENESS_PATH);
    for (Map.Entry<String, V1Probe> e : probes.entrySet()) {
      assertNotNull(e.getValue(), e.getKey() + " is missing");
      V1HTTPGetAction get = e.getValue().getHttpGet();
      assertNotNull(get, e.getKey() + " must be an HTTP GET of the health endpoint");
      // readiness turns 503 while draining; liveness must not, or a draining pod would be killed
      assertEquals(expected.get(e.getKey()), get.getPath(), e.getKey() + " path");
      assertEquals(httpPort, resolve(get.getPort(), e.getKey()).getContainerPort(), e.getKey() + " port");
      assertTrue(get.getScheme() == null || get.getScheme().equals("HTTP"), e.getKey() + " scheme");
    }

    // the paths really are served, by a node started from the pod's configuration (on loopback, alone)
    JsonObject conf = new JsonObject(Files.readString(K8S.resolve("config.json")));
    conf.getJsonObject("http").put("host", TestService.HOST).put("port", 0).put("instances", 1);
    conf.getJsonObject("cluster").put("enabled", false);
    Vertx vertx = Vertx.vertx();
    try {
      TestService node = TestService.start(vertx, conf).await(20, TimeUnit.SECONDS);
      Set<String> paths = new LinkedHashSet<>();
      probes.values().forEach(p -> paths.add(p.getHttpGet().getPath()));
      for (String path : paths) {
        TestService.Response response = node.get(path).await(10, TimeUnit.SECONDS);
        assertEquals(200, response.status(), "GET " + path);
        assertEquals("UP", response.body().toJsonObject().getString("status"), "GET " + path);
      }
      String metricsPath = deployment().getSpec().getTemplate().getMetadata().getAnnotations().get("prometheus.io/path");
      TestService.Response metrics = node.get(metricsPath).await(10, TimeUnit.SECONDS);
      assertEquals(200, metrics.status(), "GET " + metricsPath);
      assertTrue(metrics.body().toString().contains("# TYPE"), "Prometheus text format at " + metricsPath);
    } finally {
      vertx.close().await(10, TimeUnit.SECONDS);
    }
  }

  @Test
  void terminationGracePeriodOutlastsPreStopAndDrain() throws IOException {
    ServiceConfig config = podConfig();
    var preStop = container().getLifecycle() == null ? null : container().getLifecycle().getPreStop();
    assertNotNull(preStop, "a preStop pause lets endpoints and the ingress forget the pod before it drains");
    long pauseMs;
    if (preStop.getSleep() != null) {
      pauseMs = preStop.getSleep().getSeconds() * 1000;
    } else {
      List<String> command = preStop.getExec() == null ? List.of() : preStop.getExec().getCommand();
      assertEquals(2, command.size(), "preStop is a sleep action or exec [sleep, N]");
      assertEquals("sleep", command.get(0));
      pauseMs = Long.parseLong(command.get(1)) * 1000;
    }
    assertTrue(pauseMs >= 2000, "preStop pause " + pauseMs + " ms is too short to matter");
    Long grace = podSpec().getTerminationGracePeriodSeconds();
    assertNotNull(grace, "set terminationGracePeriodSeconds");
    long needed = pauseMs + config.shutdownGraceMs() + SHUTDOWN_OVERHEAD_MS;
    assertTrue(grace * 1000 > needed, "terminationGracePeriodSeconds " + grace + " s must exceed preStop "
        + pauseMs + " ms + shutdown.graceMs " + config.shutdownGraceMs() + " ms + " + SHUTDOWN_OVERHEAD_MS + " ms to close");
  }

  @Test
  void podRunsAsNonRootOnAReadOnlyRootWithLimits() throws IOException {
    V1PodSecurityContext pod = podSpec().getSecurityContext();
    V1SecurityContext c = container().getSecurityContext();
    assertNotNull(pod);
    assertNotNull(c);
    assertEquals(Boolean.TRUE, pod.getRunAsNonRoot(), "runAsNonRoot");
    assertTrue(pod.getRunAsUser() != null && pod.getRunAsUser() > 0, "runAsUser must be a non-root UID");
    assertEquals(Boolean.TRUE, c.getReadOnlyRootFilesystem(), "readOnlyRootFilesystem");
    assertEquals(Boolean.FALSE, c.getAllowPrivilegeEscalation(), "allowPrivilegeEscalation");
    assertTrue(c.getCapabilities() != null && c.getCapabilities().getDrop().contains("ALL"), "drop all capabilities");

    // writable /tmp (JVM, Vert.x file cache) on an emptyDir, the configuration where the service reads it
    Map<String, V1Volume> volumes = podSpec().getVolumes().stream().collect(Collectors.toMap(V1Volume::getName, v -> v));
    Map<String, V1VolumeMount> mounts = container().getVolumeMounts().stream()
        .collect(Collectors.toMap(V1VolumeMount::getMountPath, m -> m));
    V1VolumeMount tmp = mounts.get("/tmp");
    assertNotNull(tmp, "/tmp must be mounted: the root filesystem is read-only");
    assertNotNull(volumes.get(tmp.getName()).getEmptyDir(), "/tmp is an emptyDir");
    for (V1VolumeMount mount : mounts.values()) {
      assertTrue(volumes.containsKey(mount.getName()), "mount of unknown volume " + mount.getName());
    }
    String confDir = dockerWorkdir() + "/conf";
    V1VolumeMount conf = mounts.get(confDir);
    assertNotNull(conf, "the ConfigMap must be mounted at " + confDir + " (conf/ under the image's WORKDIR)");
    assertNotNull(volumes.get(conf.getName()).getConfigMap(), confDir + " is the ConfigMap");
    assertEquals(Boolean.TRUE, conf.getReadOnly());

    Map<String, Quantity> requests = container().getResources().getRequests();
    Map<String, Quantity> limits = container().getResources().getLimits();
    for (String resource : List.of("cpu", "memory")) {
      assertNotNull(requests == null ? null : requests.get(resource), resource + " request");
      assertNotNull(limits == null ? null : limits.get(resource), resource + " limit");
      assertTrue(requests.get(resource).getNumber().compareTo(limits.get(resource).getNumber()) <= 0,
          resource + " request above its limit");
    }
    assertTrue(javaOptsOfDeployment().stream().anyMatch(o -> o.startsWith("-XX:MaxRAMPercentage=")),
        "JAVA_OPTS must size the heap from the container's memory limit (-XX:MaxRAMPercentage)");
    assertFalse(javaOptsOfDeployment().stream().anyMatch(o -> o.startsWith("-Xmx") || o.startsWith("-Xms")),
        "a fixed -Xmx/-Xms ignores the memory limit");
  }

  @Test
  void podDisruptionBudgetAndAutoscalerTargetTheDeployment() throws IOException {
    V1Deployment deployment = deployment();
    int replicas = deployment.getSpec().getReplicas();
    assertEquals(3, replicas);

    V1PodDisruptionBudget pdb = one(V1PodDisruptionBudget.class);
    IntOrString maxUnavailable = pdb.getSpec().getMaxUnavailable();
    IntOrString minAvailable = pdb.getSpec().getMinAvailable();
    assertTrue(maxUnavailable == null ^ minAvailable == null, "a PDB sets one of minAvailable and maxUnavailable");
    if (maxUnavailable != null && maxUnavailable.isInteger()) {
      assertTrue(maxUnavailable.getIntValue() >= 1 && maxUnavailable.getIntValue() < replicas,
          "maxUnavailable must allow a drain and keep members");
    }
    if (minAvailable != null && minAvailable.isInteger()) {
      assertTrue(minAvailable.getIntValue() < replicas, "minAvailable must be below replicas, or no node can drain");
    }

    V2HorizontalPodAutoscaler hpa = one(V2HorizontalPodAutoscaler.class);
    var target = hpa.getSpec().getScaleTargetRef();
    assertEquals("apps/v1", target.getApiVersion());
    assertEquals("Deployment", target.getKind());
    assertEquals(deployment.getMetadata().getName(), target.getName(), "the HPA scales the Deployment");
    int min = Objects.requireNonNullElse(hpa.getSpec().getMinReplicas(), 1);
    assertTrue(min <= replicas && replicas <= hpa.getSpec().getMaxReplicas(), "replicas within the HPA's range");
    assertTrue(min >= 2, "fewer than 2 members leaves no failover");
    for (V2MetricSpec metric : hpa.getSpec().getMetrics()) {
      if ("Resource".equals(metric.getType()) && "Utilization".equals(metric.getResource().getTarget().getType())) {
        String resource = metric.getResource().getName();
        assertNotNull(container().getResources().getRequests().get(resource),
            "utilization of " + resource + " is relative to its request, which the container must set");
      }
    }
  }

  @Test
  void ingressRoutesToTheHttpServiceWithWebSocketTimeouts() throws IOException {
    V1Ingress ingress = one(V1Ingress.class);
    V1Service http = service(false);
    Map<String, String> annotations = ingress.getMetadata().getAnnotations();
    for (String timeout : List.of("proxy-read-timeout", "proxy-send-timeout")) {
      String value = annotations.get("nginx.ingress.kubernetes.io/" + timeout);
      assertNotNull(value, timeout + " annotation");
      assertTrue(Integer.parseInt(value) >= 3600, timeout + " must outlast idle sockets: " + value);
    }
    List<V1IngressServiceBackend> backends = new ArrayList<>();
    ingress.getSpec().getRules().forEach(rule -> rule.getHttp().getPaths().forEach(p -> backends.add(p.getBackend().getService())));
    if (ingress.getSpec().getDefaultBackend() != null) {
      backends.add(ingress.getSpec().getDefaultBackend().getService());
    }
    assertFalse(backends.isEmpty(), "the Ingress routes nowhere");
    for (V1IngressServiceBackend backend : backends) {
      assertNotNull(backend, "only Service backends are expected");
      assertEquals(http.getMetadata().getName(), backend.getName(), "the Ingress backend is the HTTP Service");
      boolean portExists = http.getSpec().getPorts().stream().anyMatch(p ->
          backend.getPort().getName() != null ? backend.getPort().getName().equals(p.getName())
              : backend.getPort().getNumber().equals(p.getPort()));
      assertTrue(portExists, "the Ingress backend port is not a port of Service " + backend.getName());
    }
  }

  // ---------------------------------------------------------------- Dockerfile

  private static List<String> dockerfile() throws IOException {
    // instructions, with continuation lines joined and comments dropped
    List<String> instructions = new ArrayList<>();
    StringBuilder current = new StringBuilder();
    for (String line : Files.readAllLines(ROOT.resolve("Dockerfile"))) {
      String trimmed = line.strip();
      if (trimmed.startsWith("#") || (trimmed.isEmpty() && current.length() == 0)) {
        continue;
      }
      if (trimmed.endsWith("\\")) {
        current.append(trimmed, 0, trimmed.length() - 1).append(' ');
      } else {
        current.append(trimmed);
        instructions.add(current.toString().strip());
        current.setLength(0);
      }
    }
    return instructions;
  }

  private static List<String> dockerfile(String instruction) throws IOException {
    return dockerfile().stream().filter(i -> i.regionMatches(true, 0, instruction + " ", 0, instruction.length() + 1))
        .map(i -> i.substring(instruction.length() + 1).strip()).toList();
  }

  private static String dockerWorkdir() throws IOException {
    List<String> workdirs = dockerfile("WORKDIR");
    assertFalse(workdirs.isEmpty(), "the Dockerfile sets no WORKDIR");
    return workdirs.get(workdirs.size() - 1);
  }

  /** The default JAVA_OPTS the image sets. */
  private static List<String> javaOptsOfImage() throws IOException {
    for (String env : dockerfile("ENV")) {
      Matcher m = Pattern.compile("JAVA_OPTS=\"([^\"]*)\"").matcher(env);
      if (m.find()) {
        return Arrays.asList(m.group(1).trim().split("\\s+"));
      }
    }
    throw new AssertionError("the Dockerfile sets no ENV JAVA_OPTS=\"...\"");
  }

  @Test
  void dockerfileBuildsTheImageTheDeploymentExpects() throws IOException {
    List<String> from = dockerfile("FROM");
    assertEquals(1, from.size());
    assertTrue(from.get(0).contains("-jre"), "a JRE base image: " + from.get(0));

    List<String> users = dockerfile("USER");
    assertFalse(users.isEmpty(), "the image must not run as root");
    String user = users.get(users.size() - 1).split(":")[0];
    assertTrue(user.matches("\\d+") && !user.equals("0"), "USER must be a numeric non-root UID (runAsNonRoot can check only a number): " + user);
    assertEquals(Long.parseLong(user), podSpec().getSecurityContext().getRunAsUser(), "the Deployment runs as the image's user");

    Set<Integer> exposed = new TreeSet<>();
    dockerfile("EXPOSE").forEach(e -> Arrays.stream(e.split("\\s+")).forEach(p -> exposed.add(Integer.parseInt(p.split("/")[0]))));
    Set<Integer> containerPorts = container().getPorts().stream().map(V1ContainerPort::getContainerPort).collect(Collectors.toCollection(TreeSet::new));
    assertEquals(containerPorts, exposed, "EXPOSE and the container ports");

    String workdir = dockerWorkdir();
    List<String> copies = dockerfile("COPY");
    assertTrue(copies.stream().anyMatch(c -> c.matches("target/socket-push\\.jar\\s+" + Pattern.quote(workdir) + "/socket-push\\.jar")),
        "COPY target/socket-push.jar " + workdir + "/socket-push.jar");
    assertTrue(copies.stream().anyMatch(c -> c.matches("conf/?\\s+" + Pattern.quote(workdir) + "/conf/?")),
        "COPY conf/ " + workdir + "/conf/ (the service reads conf/config.json relative to its working directory)");

    List<String> entrypoint = dockerfile("ENTRYPOINT");
    assertEquals(1, entrypoint.size());
    String command = entrypoint.get(0);
    assertTrue(command.startsWith("["), "exec form, so no shell stands between SIGTERM and java: " + command);
    assertTrue(command.contains("exec java $JAVA_OPTS -jar " + workdir + "/socket-push.jar"),
        "the entrypoint execs java with $JAVA_OPTS: " + command);
    assertTrue(javaOptsOfImage().stream().anyMatch(o -> o.startsWith("-XX:MaxRAMPercentage=")),
        "the image's default JAVA_OPTS must be container-aware (-XX:MaxRAMPercentage)");

    List<String> ignore = Files.readAllLines(ROOT.resolve(".dockerignore")).stream().map(String::strip)
        .filter(l -> !l.isEmpty() && !l.startsWith("#")).toList();
    if (ignore.contains("*")) {
      assertTrue(ignore.contains("!target/socket-push.jar"), ".dockerignore must let target/socket-push.jar through");
      assertTrue(ignore.contains("!conf/") || ignore.contains("!conf"), ".dockerignore must let conf/ through");
    }
  }

  /** A misspelt -XX flag stops the JVM before main: try the flags on this JVM. */
  @Test
  void jvmAcceptsTheJavaOpts() throws Exception {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    for (List<String> opts : List.of(javaOptsOfImage(), javaOptsOfDeployment())) {
      List<String> command = new ArrayList<>();
      command.add(java);
      command.addAll(opts);
      command.add("-version");
      Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
      String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertTrue(process.waitFor(30, TimeUnit.SECONDS));
      assertEquals(0, process.exitValue(), String.join(" ", opts) + " is refused by the JVM:\n" + output);
    }
  }

  // ---------------------------------------------------------------- what kustomize renders

  private static String kubectl() {
    for (String dir : Objects.requireNonNullElse(System.getenv("PATH"), "").split(File.pathSeparator)) {
      Path candidate = Path.of(dir, "kubectl");
      if (!dir.isEmpty() && Files.isExecutable(candidate)) {
        return candidate.toString();
      }
    }
    return null;
  }

  /**
   * {@code kubectl kustomize k8s} (kustomize built into kubectl, no cluster needed) renders what
   * {@code kubectl apply -k} sends: it rejects an unknown field in kustomization.yaml, and its output
   * must validate like the sources, the generated ConfigMap included. Skipped where kubectl is absent.
   */
  @Test
  void kustomizeRendersValidObjects() throws Exception {
    String kubectl = kubectl();
    assumeTrue(kubectl != null, "kubectl is not installed");
    Process process = new ProcessBuilder(kubectl, "kustomize", K8S.toString())
        .redirectError(ProcessBuilder.Redirect.PIPE).start();
    String rendered = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    String errors = new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(process.waitFor(60, TimeUnit.SECONDS), "kubectl kustomize hung");
    assertEquals(0, process.exitValue(), "kubectl kustomize k8s failed:\n" + errors);

    List<Manifest> objects = parse("kubectl kustomize k8s", rendered);
    Map<String, Integer> counts = new HashMap<>();
    objects.forEach(m -> counts.merge(m.model().getClass().getSimpleName(), 1, Integer::sum));
    assertEquals(Map.of("V1ConfigMap", 1, "V1Deployment", 1, "V1Service", 2, "V1PodDisruptionBudget", 1,
        "V2HorizontalPodAutoscaler", 1, "V1Ingress", 1), counts);

    V1ConfigMap configMap = objects.stream().map(Manifest::model).filter(V1ConfigMap.class::isInstance)
        .map(V1ConfigMap.class::cast).findFirst().orElseThrow();
    assertEquals(Files.readString(CONF), configMap.getData().get("config.json"), "the ConfigMap carries conf/config.json");
    V1Deployment deployment = objects.stream().map(Manifest::model).filter(V1Deployment.class::isInstance)
        .map(V1Deployment.class::cast).findFirst().orElseThrow();
    List<String> mounted = deployment.getSpec().getTemplate().getSpec().getVolumes().stream()
        .filter(v -> v.getConfigMap() != null).map(v -> v.getConfigMap().getName()).toList();
    assertEquals(List.of(configMap.getMetadata().getName()), mounted,
        "the pod mounts the generated ConfigMap under its hashed name");
  }
}
