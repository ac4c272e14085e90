#!/bin/sh
# Starts one Paxcast node in the container: the same JVM flags as bin/paxcast-local (Hazelcast
# needs the add-opens; SerialGC keeps pauses short on small heaps). Configuration comes from
# PAXCAST_CONFIG and PAXCAST_* variables (docs/CONFIG.md). PAXCAST_MAIN picks the entry point: the
# all-in-one node (default, paxcast.yaml), io.paxcast.broadcast.SequencerMain or
# io.paxcast.broadcast.EdgeMain (the split deployment, paxcast-split.yaml); the jar's manifest puts
# lib/ on the class path either way.
exec java "-Xmx${PAXCAST_HEAP:-384m}" \
  --add-modules java.se \
  --add-exports java.base/jdk.internal.ref=ALL-UNNAMED \
  --add-opens java.base/java.lang=ALL-UNNAMED \
  --add-opens java.base/sun.nio.ch=ALL-UNNAMED \
  --add-opens java.management/sun.management=ALL-UNNAMED \
  --add-opens jdk.management/com.sun.management.internal=ALL-UNNAMED \
  -XX:+UseSerialGC \
  -XX:+ExitOnOutOfMemoryError \
  -Djava.net.preferIPv4Stack=true \
  ${PAXCAST_JAVA_OPTS:-} \
  -cp /opt/paxcast/paxcast-node.jar "${PAXCAST_MAIN:-io.paxcast.broadcast.Main}" "$@"
