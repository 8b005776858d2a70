package dev.fleet.api;

import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletRequestWrapper;

import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Notices a client that closed its connection while its request is suspended (a watch, a followed journal), which
 * the Servlet API does not tell: Payara fires no AsyncListener.onError for it, and a stream that writes nothing
 * would learn it only at its next write (docs/streams.md). Grizzly itself sees the connection close: this adds a
 * Grizzly close listener to the request's connection (Payara's RequestFacade → Catalina Request → Grizzly Request
 * → Connection, by reflection: those classes are the container's, not the application's). Elsewhere it does nothing.
 */
public final class ClientHangup {
    private static final Logger LOG = Logger.getLogger(ClientHangup.class.getName());
    private static final Runnable NOTHING = () -> { };

    private ClientHangup() {
    }

    /**
     * Runs {@code onGone} once the connection of {@code req} closes. Returns the unhook to call when the stream ends
     * normally (the connection lives on for the client's next request); a no-op when the container is not Grizzly.
     */
    public static Runnable onClose(ServletRequest req, Runnable onGone) {
        try {
            Object conn = connection(req);
            if (conn == null) {
                return NOTHING;
            }
            ClassLoader cl = conn.getClass().getClassLoader();
            Class<?> connection = Class.forName("org.glassfish.grizzly.Connection", false, cl);
            Class<?> listenerType = Class.forName("org.glassfish.grizzly.CloseListener", false, cl);
            Method add = connection.getMethod("addCloseListener", listenerType);
            Method remove = connection.getMethod("removeCloseListener", listenerType);
            Object listener = Proxy.newProxyInstance(cl, new Class<?>[] {listenerType}, (proxy, m, args) -> switch (m.getName()) {
                case "onClosed" -> {
                    onGone.run();
                    yield null;
                }
                case "hashCode" -> System.identityHashCode(proxy);
                case "equals" -> proxy == args[0];
                case "toString" -> "fleet stream close listener";
                default -> null;
            });
            add.invoke(conn, listener);
            enableRead(connection, conn, cl);
            if (!(Boolean) connection.getMethod("isOpen").invoke(conn)) { // closed before we listened
                remove.invoke(conn, listener);
                onGone.run();
                return NOTHING;
            }
            return () -> {
                try {
                    remove.invoke(conn, listener);
                } catch (ReflectiveOperationException | RuntimeException e) {
                    LOG.log(Level.FINE, "close listener not removed", e);
                }
            };
        } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
            LOG.log(Level.FINE, "no Grizzly connection to listen on", e);
            return NOTHING;
        }
    }

    /**
     * While a request is suspended Grizzly has stopped reading its connection, so a peer's FIN goes unseen; asking
     * for read events again lets its selector read the end of stream and close the connection (firing the listener).
     */
    @SuppressWarnings({"unchecked", "rawtypes"})
    private static void enableRead(Class<?> connection, Object conn, ClassLoader cl) throws ReflectiveOperationException {
        Class<? extends Enum> ioEvent = (Class<? extends Enum>) Class.forName("org.glassfish.grizzly.IOEvent", false, cl);
        connection.getMethod("enableIOEvent", ioEvent).invoke(conn, Enum.valueOf(ioEvent, "READ"));
    }

    /** The Grizzly connection under a Payara request, or null. */
    static Object connection(ServletRequest req) throws ReflectiveOperationException {
        // JAX-RS hands out a proxy of the request; the async context holds the container's own
        ServletRequest r = req.isAsyncStarted() ? req.getAsyncContext().getRequest() : req;
        while (r instanceof ServletRequestWrapper w) {
            r = w.getRequest();
        }
        Method unwrap;
        try {
            unwrap = r.getClass().getMethod("getUnwrappedCoyoteRequest");
        } catch (NoSuchMethodException notPayara) {
            return null;
        }
        Object catalina = unwrap.invoke(r);
        Object grizzly = catalina.getClass().getMethod("getCoyoteRequest").invoke(catalina);
        return grizzly == null ? null : grizzly.getClass().getMethod("getConnection").invoke(grizzly);
    }
}
