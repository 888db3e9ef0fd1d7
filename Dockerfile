# socket-push image. Build the jar first, then the image:
#   mvn -B -DskipTests package
#   docker build -t socket-push:0.1.0 .
# Runs as a non-root user and needs nothing writable but /tmp (an emptyDir on Kubernetes, where
# the root filesystem is read-only).
FROM eclipse-temurin:17-jre

RUN groupadd --system --gid 10001 socketpush \
 && useradd --system --uid 10001 --gid 10001 --home-dir /app --no-create-home \
      --shell /usr/sbin/nologin socketpush

WORKDIR /app
# owned by root and not writable by the service's user
COPY target/socket-push.jar /app/socket-push.jar
# conf/config.json, read relative to the working directory; Kubernetes mounts its ConfigMap here
COPY conf/ /app/conf/

USER 10001:10001

# HTTP and WebSocket; Hazelcast member; clustered event bus (EVENTBUS_PORT)
EXPOSE 8080 5701 7000

# Container-aware JVM: heap as a share of the container's memory limit, not of the node's.
# JAVA_OPTS replaces these defaults (the Deployment sets it); exec makes java PID 1, so SIGTERM
# reaches the JVM and starts the drain. Arguments after the image name go to the service
# (for example -conf /path/config.json).
ENV JAVA_OPTS="-XX:MaxRAMPercentage=75.0 -XX:InitialRAMPercentage=50.0 -XX:+ExitOnOutOfMemoryError"
ENTRYPOINT ["/bin/sh", "-c", "exec java $JAVA_OPTS -jar /app/socket-push.jar \"$@\"", "socket-push"]
