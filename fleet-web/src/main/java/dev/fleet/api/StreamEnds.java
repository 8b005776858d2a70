package dev.fleet.api;

import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.http.HttpServletRequest;

import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Hooks a stream's end to the servlet container's own view of the request: Grizzly reports a client that closed its
 * connection while the request is suspended as an async error ({@code docs/streams.md}), which JAX-RS's
 * CompletionCallback alone would learn only when the stream answers or times out.
 */
public final class StreamEnds {
    private static final Logger LOG = Logger.getLogger(StreamEnds.class.getName());

    private StreamEnds() {
    }

    /**
     * Runs {@code end} when the request's async cycle completes, times out or fails, and then {@code onError} too on a
     * failure (the client gone). False, and nothing registered, when the request is not asynchronous.
     */
    public static boolean onContainerEnd(HttpServletRequest req, Runnable end, Runnable onError) {
        if (!req.isAsyncStarted()) {
            return false;
        }
        req.getAsyncContext().addListener(new AsyncListener() {
            @Override
            public void onComplete(AsyncEvent event) {
                end.run();
            }

            @Override
            public void onTimeout(AsyncEvent event) {
                end.run();
            }

            @Override
            public void onError(AsyncEvent event) {
                LOG.log(Level.FINE, "stream ended by the container", event.getThrowable());
                end.run();
                if (onError != null) {
                    onError.run();
                }
            }

            @Override
            public void onStartAsync(AsyncEvent event) {
                event.getAsyncContext().addListener(this);
            }
        });
        return true;
    }
}
