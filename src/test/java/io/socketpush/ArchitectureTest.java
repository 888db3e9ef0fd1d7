package io.socketpush;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

/**
 * The shape of the code, read from the compiled classes: features and transports depend on the core
 * and on each other in one direction only, and the node (the root package) wires them without being
 * named by any of them.
 */
class ArchitectureTest {
  private static JavaClasses classes;

  @BeforeAll
  static void importMainClasses() {
    classes = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
        .importPackages("io.socketpush");
  }

  @Test
  void packagesAreFreeOfCycles() {
    slices().matching("io.socketpush.(*)..").should().beFreeOfCycles().check(classes);
  }

  @Test
  void noBenchmarkCodeInTheProduct() {
    // the benchmarks plug in from bench/ through server.Extension: the product neither holds nor names them
    noClasses().should().resideInAPackage("io.socketpush.bench..")
        .orShould().haveSimpleNameStartingWith("Bench")
        .check(classes);
  }

  @Test
  void noFeatureDependsOnTheNode() {
    noClasses().that().resideOutsideOfPackage("io.socketpush")
        .should().dependOnClassesThat().resideInAPackage("io.socketpush")
        .check(classes);
  }

  /**
   * Vert.x's and Netty's {@code impl} and {@code internal} classes, and the Netty channel under a socket, are
   * reached through {@code io.socketpush.internal} only: an upgrade that moves them breaks one package, whose
   * VertxUpgradeMustKeepTest says what it relied on.
   */
  @Test
  void frameworkInternalsOnlyBehindTheirDoor() {
    noClasses().that().resideOutsideOfPackage("io.socketpush.internal..")
        .should().dependOnClassesThat().resideInAnyPackage("io.vertx..impl..", "io.vertx..internal..",
            "io.netty..internal..")
        .orShould().dependOnClassesThat().haveFullyQualifiedName("io.netty.channel.ChannelOutboundBuffer")
        .orShould().callMethod(io.netty.channel.Channel.class, "unsafe")
        .check(classes);
  }
}
