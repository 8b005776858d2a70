package dev.fleet.store;

import java.util.List;

/** What applying a command (or a local read) gives back. */
public sealed interface Result permits Result.Event, Result.Batch, Result.Group, StoreError {

    /** The store's index after the command. */
    long index();

    /** One change (or a read): etcd v2's {action, node, prevNode}. */
    record Event(String action, NodeView node, NodeView prevNode, long index) implements Result { }

    /** The events of a transaction or of a tick, in index order. */
    record Batch(List<Event> events, long index) implements Result {
        public Batch { events = List.copyOf(events); }
    }

    /** The results of a {@link Command.Group}, one per command, in order. */
    record Group(List<Result> results, long index) implements Result {
        public Group { results = List.copyOf(results); }
    }
}
