package io.paxcast.broadcast.it;

import io.paxcast.testkit.node.NodeLogsOnFailure;
import io.paxcast.testkit.node.NodeProcesses;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;

import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The dashboard in headless Chromium against three real nodes while a publisher runs: the page,
 * served by a follower, goes live, names the leader and the three members with their figures, and
 * charts the committed rate; after a SIGKILL of the leader it stops naming that node as leader within
 * 2 s, then names the new leader, marks the dead node down and lists the change. Screenshots go to
 * {@code target/screenshots/dashboard-*.png} (the README's is one of them). Skips without Chromium,
 * as {@link ChatBrowserTest} does.
 */
class DashboardBrowserTest {
    static final Duration WAIT = Duration.ofSeconds(60);
    static final long LEADER_GONE_WITHIN_MILLIS = 2000;

    @RegisterExtension
    final NodeLogsOnFailure logs = new NodeLogsOnFailure();

    @Test
    void theDashboardShowsTheClusterLiveAndALeaderKillWithinTwoSeconds() throws Exception {
        assumeTrue(Files.isExecutable(ChatBrowserTest.CHROMIUM) && Files.isExecutable(ChatBrowserTest.CHROMEDRIVER),
                "skipped: the browser test needs " + ChatBrowserTest.CHROMIUM + " and " + ChatBrowserTest.CHROMEDRIVER);
        Path moduleDir = Path.of(System.getProperty("basedir", System.getProperty("user.dir")));
        Path screenshots = Files.createDirectories(moduleDir.resolve("target").resolve("screenshots"));
        Path profile = Files.createTempDirectory("paxcast-chrome-dashboard-");
        AtomicBoolean publishing = new AtomicBoolean(true);
        AtomicLong published = new AtomicLong();
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(ChatBrowserTest.CHROMEDRIVER.toFile()).usingAnyFreePort().build();
        ChromeDriver driver = null;
        Thread publisher = null;
        try (NodeProcesses nodes = logs.watch(NodeProcesses.builder().nodes(3).name("DashboardBrowserTest").build())) {
            nodes.startAll();
            ChromeOptions options = new ChromeOptions();
            options.setBinary(ChatBrowserTest.CHROMIUM.toFile());
            options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                    "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage", "--window-size=1280,900",
                    "--user-data-dir=" + profile);
            driver = new ChromeDriver(service, options);
            nodes.awaitReady(Duration.ofSeconds(90));
            int leader = ChatBrowserTest.leaderNode(nodes);
            int viewer = leader == 1 ? 2 : 1;
            int third = 6 - leader - viewer;
            publisher = new Thread(() -> {
                int i = 0;
                while (publishing.get()) {
                    int k = i++ % 2 == 0 ? viewer : third; // never the node about to die
                    try {
                        HttpResponse<String> r = nodes.postJson(k, "/v1/channels/dash/messages", "{\"i\":" + i + "}",
                                Duration.ofSeconds(5));
                        if (r.statusCode() == 201) {
                            published.incrementAndGet();
                        }
                    } catch (Exception e) {
                        // a publish lost in the failover: the dashboard is what is tested here
                    }
                }
            }, "dashboard-publisher");
            publisher.start();

            WebDriverWait wait = new WebDriverWait(driver, WAIT, Duration.ofMillis(50));
            wait.ignoring(org.openqa.selenium.StaleElementReferenceException.class); // the page redraws every 500 ms
            driver.get(nodes.uri(viewer, "/dashboard/").toString());
            String leaderId = "n" + leader;
            until(wait, "live, naming " + leaderId + " as leader", d -> "live".equals(text(d, "live"))
                    && leaderId.equals(text(d, "leader")));
            until(wait, "three members, all up", d -> {
                List<WebElement> rows = d.findElements(By.cssSelector("#members tbody tr"));
                return rows.size() == 3 && rows.stream().allMatch(r -> r.getText().contains(" up "));
            });
            until(wait, "a committed rate", d -> !"–".equals(text(d, "rate")) && !"0".equals(text(d, "rate")));
            Files.write(screenshots.resolve("dashboard-1-live.png"), driver.getScreenshotAs(OutputType.BYTES));

            long killed = System.nanoTime();
            nodes.kill(leader);
            until(wait, leaderId + " no longer shown as leader", d -> !leaderId.equals(text(d, "leader")));
            long goneMillis = (System.nanoTime() - killed) / 1_000_000;
            System.out.printf("[DashboardBrowserTest] %s killed; the page stopped naming it leader after %d ms%n",
                    leaderId, goneMillis);
            assertTrue(goneMillis <= LEADER_GONE_WITHIN_MILLIS, "the page showed the leader's death after " + goneMillis
                    + " ms, more than " + LEADER_GONE_WITHIN_MILLIS);

            until(wait, "a new leader", d -> text(d, "leader").matches("n[123]") && !leaderId.equals(text(d, "leader")));
            until(wait, leaderId + " down in the members table", d -> d.findElements(By.cssSelector("#members tbody tr"))
                    .stream().anyMatch(r -> leaderId.equals(r.getAttribute("data-id")) && r.getText().contains(" down ")));
            until(wait, "the leader change listed", d -> d.findElements(By.cssSelector("#events li[data-kind=leader]"))
                    .stream().anyMatch(li -> li.getText().contains("was " + leaderId)));
            Files.write(screenshots.resolve("dashboard-2-after-leader-kill.png"), driver.getScreenshotAs(OutputType.BYTES));
            until(wait, "the page naming the leader the node names", d -> {
                try {
                    return text(d, "leader").equals(new JsonObject(nodes.get(viewer, "/v1/cluster").body()).getString("leader"));
                } catch (Exception e) {
                    return false;
                }
            });
            assertTrue(published.get() > 0, "the publisher ran");
        } finally {
            publishing.set(false);
            if (publisher != null) {
                publisher.join(10_000);
            }
            if (driver != null) {
                driver.quit();
            }
            service.stop();
            ChatBrowserTest.deleteTree(profile);
        }
    }

    private static String text(WebDriver d, String id) {
        return d.findElement(By.id(id)).getText().trim();
    }

    private static void until(WebDriverWait wait, String what, Function<WebDriver, Boolean> condition) {
        wait.withMessage(() -> "the dashboard waited for " + what).until(condition::apply);
    }
}
