package io.weft.endpoint;

import java.io.IOException;
import java.io.BufferedOutputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * What the endpoint accepted, in arrival order: bounded in memory (the oldest items are evicted and counted) and,
 * optionally, appended to a JSON-lines file.
 *
 * <p>Thread-safe. Adding never blocks the caller (an event loop): the file is written on a single-threaded
 * bounded-elastic scheduler, in order. Queries return copies.
 */
public final class TelemetryStore {
  private static final Logger logger = LoggerFactory.getLogger(TelemetryStore.class);

  private final int capacity;
  private final Object lock = new Object();
  private final ArrayDeque<TelemetryItem> items; // guarded by lock
  private long nextSequence; // guarded by lock
  private final AtomicLong evicted = new AtomicLong();
  private final @Nullable Path file;
  private final @Nullable Scheduler fileScheduler;
  private volatile boolean fileFailed;

  TelemetryStore(int capacity, @Nullable Path file) {
    this.capacity = capacity;
    this.items = new ArrayDeque<>(Math.min(capacity, 1024));
    this.file = file;
    this.fileScheduler = file == null ? null
        : Schedulers.newBoundedElastic(1, Integer.MAX_VALUE, "weft-endpoint-store", 60, true);
  }

  /** Stores accepted envelopes; returns the items made of them. */
  List<TelemetryItem> add(List<Items.Item> accepted) {
    List<TelemetryItem> added = new ArrayList<>(accepted.size());
    synchronized (lock) {
      for (Items.Item envelope : accepted) {
        EnvelopeValidator.Parsed parsed = envelope.parsed();
        TelemetryItem item = new TelemetryItem(nextSequence++, parsed.type(), parsed.operationId(), parsed.parentId(),
            parsed.id(), parsed.summary(), envelope.copy());
        added.add(item);
        items.addLast(item);
        if (items.size() > capacity) {
          items.removeFirst();
          evicted.incrementAndGet();
        }
      }
    }
    Scheduler scheduler = fileScheduler;
    if (scheduler != null && !added.isEmpty() && !fileFailed) {
      scheduler.schedule(() -> append(added));
    }
    return added;
  }

  private void append(List<TelemetryItem> added) {
    Path target = file;
    if (target == null || fileFailed) {
      return;
    }
    try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(target, StandardOpenOption.CREATE,
        StandardOpenOption.APPEND))) {
      for (TelemetryItem item : added) {
        out.write(item.bytes()); // as received: no decode and re-encode
        out.write('\n');
      }
    } catch (IOException | RuntimeException e) {
      fileFailed = true;
      logger.warn("Cannot append to store file {}; items are kept in memory only from now on", target, e);
    }
  }

  /** Every stored item, oldest first. */
  public List<TelemetryItem> items() {
    synchronized (lock) {
      return new ArrayList<>(items);
    }
  }

  /** How many items are stored. */
  public int size() {
    synchronized (lock) {
      return items.size();
    }
  }

  /** Stored items of {@code type} ({@code Request}, {@code RemoteDependency}, {@code Exception}, …). */
  public List<TelemetryItem> items(String type) {
    return filter(item -> item.type().equals(type));
  }

  /** Stored items whose {@code ai.operation.id} is {@code operationId}. */
  public List<TelemetryItem> byOperationId(String operationId) {
    return filter(item -> operationId.equals(item.operationId()));
  }

  /** Stored items matching {@code predicate}. */
  public List<TelemetryItem> filter(Predicate<TelemetryItem> predicate) {
    List<TelemetryItem> result = new ArrayList<>();
    synchronized (lock) {
      for (TelemetryItem item : items) {
        if (predicate.test(item)) {
          result.add(item);
        }
      }
    }
    return result;
  }

  /**
   * The trace of {@code operationId} as trees: items are linked to the item whose id is their {@code
   * ai.operation.parentId}; items whose parent did not arrive here (or is remote) are roots, and so is one item of
   * each cycle of parent ids (so nothing is hidden). Exceptions and messages have no id of their own and hang under
   * their parent. Built without recursion: a chain of any depth is fine.
   */
  public List<TraceNode> trace(String operationId) {
    List<TelemetryItem> members = byOperationId(operationId);
    Map<String, TraceNode> byId = new HashMap<>();
    Map<TelemetryItem, TraceNode> nodes = new LinkedHashMap<>();
    for (TelemetryItem item : members) {
      TraceNode node = new TraceNode(item, new ArrayList<>());
      nodes.put(item, node);
      if (item.id() != null) {
        byId.putIfAbsent(item.id(), node);
      }
    }
    List<TraceNode> roots = new ArrayList<>();
    Map<TraceNode, TraceNode> parentOf = new IdentityHashMap<>(); // records hash their whole subtree
    for (TraceNode node : nodes.values()) {
      String parent = node.item().parentId();
      TraceNode parentNode = parent == null ? null : byId.get(parent);
      if (parentNode != null && parentNode != node) {
        parentNode.children().add(node);
        parentOf.put(node, parentNode);
      } else {
        roots.add(node);
      }
    }
    Set<TraceNode> reached = Collections.newSetFromMap(new IdentityHashMap<>());
    reach(roots, reached);
    for (TraceNode node : nodes.values()) {
      if (!reached.contains(node)) { // on a cycle of parent ids: cut it here and show it as a root
        TraceNode parent = Objects.requireNonNull(parentOf.get(node), "an unreached node has a parent");
        parent.children().removeIf(child -> child == node);
        roots.add(node);
        reach(List.of(node), reached);
      }
    }
    return roots;
  }

  private static void reach(List<TraceNode> from, Set<TraceNode> reached) {
    ArrayDeque<TraceNode> pending = new ArrayDeque<>(from);
    while (!pending.isEmpty()) {
      TraceNode node = pending.removeFirst();
      if (reached.add(node)) {
        pending.addAll(node.children());
      }
    }
  }

  /**
   * Waits on the calling (test) thread until at least {@code count} items are stored, then returns all of them.
   *
   * @throws AssertionError if they did not arrive within {@code timeout}
   */
  public List<TelemetryItem> await(int count, Duration timeout) {
    return await(count, timeout, item -> true);
  }

  /** Waits until at least {@code count} stored items match {@code predicate}, then returns those. */
  public List<TelemetryItem> await(int count, Duration timeout, Predicate<TelemetryItem> predicate) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      List<TelemetryItem> matching = filter(predicate);
      if (matching.size() >= count) {
        return matching;
      }
      if (System.nanoTime() - deadline > 0) {
        throw new AssertionError("expected " + count + " items within " + timeout + " but found " + matching.size());
      }
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(2));
    }
  }

  /** Forgets every stored item (the file, if any, keeps them). */
  public void clear() {
    synchronized (lock) {
      items.clear();
    }
  }

  long evicted() {
    return evicted.get();
  }

  void close() {
    Scheduler scheduler = fileScheduler;
    if (scheduler != null) {
      // Let queued appends finish (bounded), then stop the writer thread.
      scheduler.disposeGracefully().timeout(Duration.ofSeconds(5)).onErrorResume(e -> reactor.core.publisher.Mono.empty())
          .block();
    }
  }
}
