package kgmine.neo4j;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.concurrent.CountDownLatch;

import org.neo4j.configuration.GraphDatabaseSettings;
import org.neo4j.configuration.connectors.BoltConnector;
import org.neo4j.configuration.connectors.ConnectorPortRegister;
import org.neo4j.configuration.connectors.ConnectorType;
import org.neo4j.configuration.helpers.SocketAddress;
import org.neo4j.dbms.api.DatabaseManagementService;
import org.neo4j.dbms.api.DatabaseManagementServiceBuilder;
import org.neo4j.io.ByteUnit;
import org.neo4j.kernel.internal.GraphDatabaseAPI;

/**
 * Starts a real Neo4j Community server (5.26 LTS) as an embedded {@link DatabaseManagementService}
 * with its Bolt connector on a local port, for kgmine's tests and CI.
 *
 * <p>Usage: {@code Launcher --home DIR [--port N] [--host H] [--pagecache-mb N]}. Port 0 picks a free
 * port. Data and Neo4j's own logs go under DIR. Authentication is disabled: the server listens on the
 * loopback interface only. Once the Bolt connector is bound, the launcher writes the bolt URI to
 * {@code DIR/bolt.uri} (atomically) and prints it; its process id is in {@code DIR/neo4j.pid}; it shuts the database down cleanly on SIGTERM/SIGINT.
 */
public final class Launcher {

    private Launcher() {
    }

    public static void main(String[] args) throws Exception {
        Path home = null;
        String host = "127.0.0.1";
        int port = 0;
        long pagecacheMb = 512;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            String v = i + 1 < args.length ? args[i + 1] : null;
            switch (a) {
                case "--home" -> { home = Path.of(require(a, v)); i++; }
                case "--host" -> { host = require(a, v); i++; }
                case "--port" -> { port = Integer.parseInt(require(a, v)); i++; }
                case "--pagecache-mb" -> { pagecacheMb = Long.parseLong(require(a, v)); i++; }
                default -> fail("unknown argument " + a);
            }
        }
        if (home == null) {
            fail("--home DIR is required");
        }
        Files.createDirectories(home);
        Files.writeString(home.resolve("neo4j.pid"), ProcessHandle.current().pid() + "\n", StandardCharsets.UTF_8);
        Files.deleteIfExists(home.resolve("bolt.uri"));
        long t0 = System.nanoTime();
        DatabaseManagementService dbms = new DatabaseManagementServiceBuilder(home)
                .setConfig(BoltConnector.enabled, true)
                .setConfig(BoltConnector.listen_address, new SocketAddress(host, port))
                .setConfig(BoltConnector.advertised_address, new SocketAddress(host, port))
                .setConfig(BoltConnector.encryption_level, BoltConnector.EncryptionLevel.DISABLED)
                .setConfig(GraphDatabaseSettings.auth_enabled, false)
                .setConfig(GraphDatabaseSettings.pagecache_memory, ByteUnit.mebiBytes(pagecacheMb))
                .build();
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            System.out.println("kgmine-neo4j: shutting down");
            System.out.flush();
            dbms.shutdown();
            stopped.countDown();
        }, "kgmine-neo4j-shutdown"));

        GraphDatabaseAPI system = (GraphDatabaseAPI) dbms.database(GraphDatabaseSettings.SYSTEM_DATABASE_NAME);
        ConnectorPortRegister ports = system.getDependencyResolver().resolveDependency(ConnectorPortRegister.class);
        var bound = ports.getLocalAddress(ConnectorType.BOLT);
        String uri = "bolt://" + host + ":" + bound.getPort();
        Path tmp = home.resolve("bolt.uri.tmp");
        Files.writeString(tmp, uri + "\n", StandardCharsets.UTF_8);
        Files.move(tmp, home.resolve("bolt.uri"), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        System.out.printf("kgmine-neo4j: Neo4j %s ready at %s (started in %.1f s, home %s)%n",
                org.neo4j.kernel.internal.Version.getNeo4jVersion(), uri, (System.nanoTime() - t0) / 1e9, home);
        System.out.flush();
        stopped.await();
    }

    private static String require(String flag, String value) {
        if (value == null) {
            fail(flag + " needs a value");
        }
        return value;
    }

    private static void fail(String message) {
        System.err.println("kgmine-neo4j: " + message);
        System.exit(2);
    }
}
