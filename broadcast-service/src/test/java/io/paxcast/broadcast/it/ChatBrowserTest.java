package io.paxcast.broadcast.it;

import io.paxcast.testkit.node.NodeLogsOnFailure;
import io.paxcast.testkit.node.NodeProcesses;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.Keys;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;

import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The chat sample app ({@code /chat/}, from {@code sample-apps/chat}) in a real headless Chromium
 * against three real node processes. Two browser windows on two different nodes join one room and
 * type a burst of messages each at the same moment, through the page's own input and Enter; both
 * must end with the same messages in the same order (same seq and text lists, same proof hash).
 * Then the node of one window is SIGKILLed while the other keeps sending: the orphaned window must
 * move to another node on its own (its "connected node" label changes), resume with
 * {@code after=<last seq>}, and end with exactly the same messages, none missing, none doubled.
 *
 * <p>Skips (JUnit assumption) without {@code /usr/bin/chromium} and {@code /usr/bin/chromedriver}
 * ({@code apt-get install -y chromium chromium-driver}). Screenshots go to
 * {@code target/screenshots/chat-*.png}.
 */
class ChatBrowserTest {
    static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
    static final String ROOM = "room-e2e";
    static final int BURST = 20;
    static final int AFTER_KILL_FROM_SURVIVOR = 10;
    static final int AFTER_KILL_FROM_MOVED = 5;
    static final Duration WAIT = Duration.ofSeconds(60);

    @RegisterExtension
    final NodeLogsOnFailure logs = new NodeLogsOnFailure();

    @Test
    void twoWindowsOnTwoNodesSeeOneOrderAndAWindowWhoseNodeDiesResumesOnAnotherWithNothingMissedOrDoubled()
            throws Exception {
        assumeTrue(Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER),
                "skipped: the browser test needs " + CHROMIUM + " and " + CHROMEDRIVER
                        + " (Debian/Ubuntu: apt-get install -y chromium chromium-driver)");
        Path moduleDir = Path.of(System.getProperty("basedir", System.getProperty("user.dir")));
        Path screenshots = Files.createDirectories(moduleDir.resolve("target").resolve("screenshots"));
        long t0 = System.nanoTime();

        NodeProcesses nodes = logs.watch(NodeProcesses.builder().nodes(3).name("ChatBrowserTest").build());
        ExecutorService pool = Executors.newFixedThreadPool(2);
        List<ChatWindow> windows = Collections.synchronizedList(new ArrayList<>());
        try {
            nodes.startAll();
            // the browsers start while the cluster forms; each is quit in finally even if the other fails
            Future<ChatWindow> startA = pool.submit(() -> ChatWindow.start("A", windows));
            Future<ChatWindow> startB = pool.submit(() -> ChatWindow.start("B", windows));
            ChatWindow a = startA.get(90, TimeUnit.SECONDS);
            ChatWindow b = startB.get(90, TimeUnit.SECONDS);
            nodes.awaitReady(Duration.ofSeconds(90));
            log(t0, "cluster ready, browsers started");

            HttpResponse<String> redirect = nodes.get(1, "/chat?room=x");
            assertEquals(301, redirect.statusCode(), "/chat redirects to /chat/");
            assertEquals("/chat/?room=x", redirect.headers().firstValue("location").orElse(null));

            // window A on the leader (its death then also forces an election), B on another node
            int leader = leaderNode(nodes);
            int other = leader == 1 ? 2 : 1;
            String nodeList = IntStream.rangeClosed(1, 3).mapToObj(k -> "http://127.0.0.1:" + nodes.httpPort(k))
                    .collect(Collectors.joining(","));
            a.open(nodes.uri(leader, "/chat/?nodes=" + nodeList).toString(), "alice", ROOM,
                    screenshots.resolve("chat-0-join.png"));
            b.open(nodes.uri(other, "/chat/?nodes=" + nodeList).toString(), "bob", ROOM);
            a.awaitLive();
            b.awaitLive();
            assertEquals("n" + leader, a.connectedNode());
            assertEquals("n" + other, b.connectedNode());
            log(t0, "A live on n" + leader + " (leader), B live on n" + other);

            // phase 1: both windows type a burst at the same moment
            CountDownLatch go = new CountDownLatch(1);
            Future<?> burstA = pool.submit(() -> a.typeBurst(go, "alice", 0, BURST));
            Future<?> burstB = pool.submit(() -> b.typeBurst(go, "bob", 0, BURST));
            long burstStart = System.nanoTime();
            go.countDown();
            burstA.get(2, TimeUnit.MINUTES);
            burstB.get(2, TimeUnit.MINUTES);
            a.awaitMessages(2 * BURST);
            b.awaitMessages(2 * BURST);
            log(t0, "phase 1: 2 x " + BURST + " typed and shown in both windows in "
                    + (System.nanoTime() - burstStart) / 1_000_000 + " ms");
            List<String> phase1 = assertSameLog(a, b, List.of(texts("alice", 0, BURST), texts("bob", 0, BURST)));
            assertChainProven(nodes, a, b, List.of(1, 2, 3));
            a.screenshot(screenshots.resolve("chat-1-window-a.png"));
            b.screenshot(screenshots.resolve("chat-2-window-b.png"));

            // phase 2: kill A's node; B keeps sending; A must move to another node by itself
            a.recordConnectionStates();
            long killedAt = System.nanoTime();
            nodes.kill(leader);
            log(t0, "killed n" + leader + " (A's node)");
            Future<?> burstAfterKill = pool.submit(() -> b.typeBurst(null, "bob", BURST, AFTER_KILL_FROM_SURVIVOR));
            a.awaitLiveOnAnotherNodeThan("n" + leader);
            log(t0, "A live again on " + a.connectedNode() + " after "
                    + (System.nanoTime() - killedAt) / 1_000_000 + " ms");
            assertTrue(a.connectionStates().stream().anyMatch(s -> s.startsWith("reconnecting")),
                    "A showed 'reconnecting' while its node was gone: " + a.connectionStates());
            a.awaitNodeShownDown("n" + leader);
            a.screenshot(screenshots.resolve("chat-3-window-a-reconnected.png"));
            burstAfterKill.get(2, TimeUnit.MINUTES);
            a.typeBurst(null, "alice", BURST, AFTER_KILL_FROM_MOVED); // through the new node, cross-origin
            int total = 2 * BURST + AFTER_KILL_FROM_SURVIVOR + AFTER_KILL_FROM_MOVED;
            a.awaitMessages(total);
            b.awaitMessages(total);
            log(t0, "phase 2: " + total + " messages in both windows, "
                    + (System.nanoTime() - killedAt) / 1_000_000 + " ms after the kill");
            List<String> all = assertSameLog(a, b, List.of(
                    texts("alice", 0, BURST + AFTER_KILL_FROM_MOVED), texts("bob", 0, BURST + AFTER_KILL_FROM_SURVIVOR)));
            assertEquals(phase1, all.subList(0, phase1.size()), "the first 40 kept their places");
            assertChainProven(nodes, a, b, IntStream.rangeClosed(1, 3).filter(k -> k != leader).boxed().toList());
            a.screenshot(screenshots.resolve("chat-4-window-a-end.png"));
            b.screenshot(screenshots.resolve("chat-5-window-b-end.png"));
            b.resize(360, 740);
            b.screenshot(screenshots.resolve("chat-6-window-b-360px.png"));
            log(t0, "done; screenshots in " + screenshots);
        } finally {
            pool.shutdownNow();
            pool.awaitTermination(30, TimeUnit.SECONDS); // a browser still starting registers itself first
            List<ChatWindow> started;
            synchronized (windows) {
                started = List.copyOf(windows);
            }
            for (ChatWindow w : started) {
                w.quit();
            }
            nodes.close();
        }
    }

    // ---- checks -------------------------------------------------------------------------------

    /**
     * Both windows hold the same messages in the same order, with strictly increasing seq, each
     * expected text exactly once, each sender's texts in the order typed; both proof panels agree
     * with each other and with the hash of what is on screen. Returns the lines "seq|user|text".
     */
    static List<String> assertSameLog(ChatWindow a, ChatWindow b, List<List<String>> expectedPerSender) {
        List<String> la = a.messageLines();
        List<String> lb = b.messageLines();
        assertEquals(seqs(la), seqs(lb), "same seq list in both windows");
        assertEquals(userTexts(la), userTexts(lb), "same text list in both windows");
        List<Long> seqs = seqs(la);
        for (int i = 1; i < seqs.size(); i++) {
            assertTrue(seqs.get(i) > seqs.get(i - 1), "seq strictly increasing: " + seqs);
        }
        int expectedCount = expectedPerSender.stream().mapToInt(List::size).sum();
        assertEquals(expectedCount, la.size(), "exactly the messages typed, none missing or doubled: " + la);
        assertEquals(expectedCount, new HashSet<>(userTexts(la)).size(), "no text twice");
        for (List<String> sender : expectedPerSender) {
            List<String> shown = userTexts(la).stream().filter(sender::contains).toList();
            assertEquals(sender, shown, "each sender's messages arrive in the order typed");
        }
        String hash = fnv1a32(la);
        assertEquals(hash, a.proofHash(), "A's proof hash is the hash of what A shows");
        assertEquals(hash, b.proofHash(), "B's proof hash is the hash of what B shows");
        assertEquals(String.valueOf(expectedCount), a.text("proof-count"));
        assertEquals(String.valueOf(seqs.get(seqs.size() - 1)), b.text("proof-last"));
        assertEquals("0", a.text("proof-dups"));
        return la;
    }

    /**
     * The chain hash panel: both windows show the same hash at the same last seq, which is what each
     * live node proves at that seq; and window A's own check lists every live node as proving the same
     * hash, recomputed in the page (headless Chromium on 127.0.0.1 is a secure context, so it has
     * SHA-256): the page's hashing agrees with the node's.
     */
    static void assertChainProven(NodeProcesses nodes, ChatWindow a, ChatWindow b, List<Integer> live) throws Exception {
        String seq = a.text("proof-chain-seq");
        assertEquals(seq, b.text("proof-chain-seq"), "both windows' chain hash is at the same seq");
        String hash = a.text("proof-chain");
        assertEquals(hash, b.text("proof-chain"), "both windows show the same chain hash");
        for (int k : live) {
            JsonObject proof = new JsonObject(nodes.get(k, "/v1/messages/" + seq + "/proof").body());
            assertEquals(hash, proof.getString("hash"), "n" + k + " proves the hash the windows show at seq " + seq);
        }
        a.awaitChainChecks(live.size());
        String checks = a.text("proof-checks");
        assertTrue(checks.contains("recomputed here"), checks);
        assertTrue(!checks.contains("✗"), checks);
    }

    static List<String> texts(String user, int from, int count) {
        return IntStream.range(from, from + count).mapToObj(i -> user + "|" + user + " says " + i).toList();
    }

    static List<Long> seqs(List<String> lines) {
        return lines.stream().map(l -> Long.parseLong(l.substring(0, l.indexOf('|')))).toList();
    }

    static List<String> userTexts(List<String> lines) {
        return lines.stream().map(l -> l.substring(l.indexOf('|') + 1)).toList();
    }

    /** The page's proof: FNV-1a 32 over the UTF-8 of "seq|user|text\n" lines, as 8 hex digits. */
    static String fnv1a32(List<String> lines) {
        int hash = 0x811c9dc5;
        for (String line : lines) {
            for (byte b : (line + "\n").getBytes(StandardCharsets.UTF_8)) {
                hash ^= b & 0xff;
                hash *= 0x01000193;
            }
        }
        return String.format("%08x", hash);
    }

    static int leaderNode(NodeProcesses nodes) throws Exception {
        HttpResponse<String> r = nodes.get(1, "/v1/cluster");
        String leader = new JsonObject(r.body()).getString("leader");
        return leader == null ? 1 : Integer.parseInt(leader.substring(1));
    }

    static void log(long t0, String what) {
        System.out.printf("[ChatBrowserTest] +%5.1f s  %s%n", (System.nanoTime() - t0) / 1e9, what);
    }

    // ---- one browser window -------------------------------------------------------------------

    /** One headless Chromium with one chat page; used by one thread at a time. */
    static final class ChatWindow {
        private final String name;
        private final Path profile;
        private final ChromeDriver driver;
        private final WebDriverWait wait;

        private ChatWindow(String name, Path profile, ChromeDriver driver) {
            this.name = name;
            this.profile = profile;
            this.driver = driver;
            this.wait = new WebDriverWait(driver, WAIT, Duration.ofMillis(100));
        }

        /** Starts a browser and adds it to {@code started} (so the caller can always quit it). */
        static ChatWindow start(String name, List<ChatWindow> started) throws IOException {
            Path profile = Files.createTempDirectory("paxcast-chrome-" + name + "-");
            ChromeOptions options = new ChromeOptions();
            options.setBinary(CHROMIUM.toFile());
            options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                    "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage", "--window-size=1280,800",
                    "--user-data-dir=" + profile);
            ChromeDriverService service = new ChromeDriverService.Builder()
                    .usingDriverExecutable(CHROMEDRIVER.toFile()).usingAnyFreePort().build();
            try {
                ChatWindow window = new ChatWindow(name, profile, new ChromeDriver(service, options));
                started.add(window);
                return window;
            } catch (RuntimeException e) {
                service.stop();
                deleteTree(profile);
                throw e;
            }
        }

        /** Opens the chat and joins {@code room} as {@code user} through the join form. */
        void open(String url, String user, String room) throws IOException {
            open(url, user, room, null);
        }

        /** The same, with a screenshot of the filled-in join form. */
        void open(String url, String user, String room, Path joinScreenshot) throws IOException {
            driver.get(url);
            WebElement nameInput = driver.findElement(By.id("name"));
            nameInput.clear();
            nameInput.sendKeys(user);
            WebElement roomInput = driver.findElement(By.id("room"));
            roomInput.clear();
            roomInput.sendKeys(room);
            if (joinScreenshot != null) {
                screenshot(joinScreenshot);
            }
            driver.findElement(By.id("join-button")).click();
        }

        void awaitLive() {
            until("live", d -> "live".equals(state()));
        }

        void awaitLiveOnAnotherNodeThan(String node) {
            until("live on a node other than " + node,
                    d -> "live".equals(state()) && !node.equals(connectedNode()) && !"–".equals(connectedNode()));
        }

        /** The Nodes panel marks {@code node} as down. */
        void awaitNodeShownDown(String node) {
            until(node + " shown down in the Nodes panel", d -> (Boolean) js("return Array.from("
                    + "document.querySelectorAll('#nodes li.down .node-id')).some(e => e.textContent === arguments[0]);", node));
        }

        void awaitMessages(int count) {
            until(count + " messages", d -> messageCount() >= count);
        }

        /** Until {@code count} nodes are listed as proving the window's chain hash. */
        void awaitChainChecks(int count) {
            until(count + " nodes proving the chain hash", d -> (Long) js(
                    "return document.querySelectorAll('#proof-checks li.same').length;") >= count);
        }

        /** Types {@code count} messages into the page's input, each sent with Enter. */
        Void typeBurst(CountDownLatch go, String user, int from, int count) throws InterruptedException {
            WebElement input = driver.findElement(By.id("text"));
            if (go != null) {
                go.await();
            }
            for (int i = from; i < from + count; i++) {
                input.sendKeys(user + " says " + i + Keys.ENTER);
            }
            return null;
        }

        String state() {
            return driver.findElement(By.id("conn-state")).getDomAttribute("data-state");
        }

        String connectedNode() {
            return text("conn-node");
        }

        String proofHash() {
            return text("proof-hash");
        }

        String text(String id) {
            return driver.findElement(By.id(id)).getText().trim();
        }

        long messageCount() {
            return (Long) js("return document.querySelectorAll('#messages li.msg').length;");
        }

        /** "seq|user|text" for every message shown, top to bottom. */
        @SuppressWarnings("unchecked")
        List<String> messageLines() {
            return (List<String>) js("return Array.from(document.querySelectorAll('#messages li.msg')).map(li => "
                    + "li.dataset.seq + '|' + li.querySelector('.user').textContent + '|' "
                    + "+ li.querySelector('.text').textContent);");
        }

        /** From now on, remembers every change of the connection label ("state node"). */
        void recordConnectionStates() {
            js("window.__states = []; const s = document.getElementById('conn-state');"
                    + "const n = document.getElementById('conn-node');"
                    + "const note = () => window.__states.push(s.dataset.state + ' ' + n.textContent);"
                    + "const o = new MutationObserver(note);"
                    + "o.observe(s, {attributes: true, childList: true, characterData: true, subtree: true});"
                    + "o.observe(n, {childList: true, characterData: true, subtree: true});");
        }

        @SuppressWarnings("unchecked")
        List<String> connectionStates() {
            return (List<String>) js("return window.__states || [];");
        }

        void resize(int width, int height) {
            driver.manage().window().setSize(new Dimension(width, height));
            until(width + "px wide", d -> ((Long) js("return window.innerWidth;")) <= width);
        }

        void screenshot(Path file) throws IOException {
            Files.write(file, driver.getScreenshotAs(OutputType.BYTES));
        }

        void quit() {
            try {
                driver.quit();
            } catch (RuntimeException e) {
                System.out.println("[ChatBrowserTest] quitting browser " + name + ": " + e);
            }
            deleteTree(profile);
        }

        private Object js(String script, Object... args) {
            return ((JavascriptExecutor) driver).executeScript(script, args);
        }

        private void until(String what, Function<WebDriver, Boolean> condition) {
            wait.withMessage(() -> "window " + name + " waited for " + what + "; state " + state() + " on "
                    + connectedNode() + " (" + text("conn-url") + "), " + messageCount() + " messages, "
                    + "outbox: " + js("return document.getElementById('outbox').innerText;"))
                    .until(condition);
        }
    }

    static void deleteTree(Path root) {
        try (Stream<Path> paths = Files.walk(root)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            System.out.println("[ChatBrowserTest] cannot delete " + root + ": " + e);
        }
    }
}
