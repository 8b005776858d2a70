package dev.fleet.api;

import dev.fleet.api.v1.FleetV1Resource;
import dev.fleet.node.FleetNode;
import jakarta.ejb.EJB;
import jakarta.servlet.RequestDispatcher;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import java.io.IOException;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The container's error pages (WEB-INF/web.xml {@code <error-page>}) for errors outside JAX-RS: an exception out of a
 * servlet filter, a {@code sendError} by the container or by Jersey (an error status without a body). Writes the
 * same JSON as {@link ErrorMapping} for the path that failed; a 500 shows only an error id, and the exception is
 * logged once with it. Asked directly (no error dispatch), it is just another unknown path: 404.
 */
public class ErrorPageServlet extends HttpServlet {
    private static final Logger LOG = Logger.getLogger(ErrorPageServlet.class.getName());

    @EJB
    FleetNode node;

    @Override
    protected void service(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        Object code = req.getAttribute(RequestDispatcher.ERROR_STATUS_CODE);
        Object uri = req.getAttribute(RequestDispatcher.ERROR_REQUEST_URI);
        Throwable failure = req.getAttribute(RequestDispatcher.ERROR_EXCEPTION) instanceof Throwable t ? t : null;
        String path = ErrorBodies.pathBelow(req.getContextPath(), uri instanceof String s ? s : req.getRequestURI());
        int status = code instanceof Integer i && i >= 400 && i <= 599 ? i : (failure != null ? 500 : 404);
        String method = req.getMethod();
        if (clientGone(failure)) { // the connection closed under the answer: nobody to answer, nothing failed here
            LOG.log(Level.FINE, "fleet: client went away during " + ErrorBodies.printable(method) + " " + ErrorBodies.printable(path), failure);
            return;
        }
        String message;
        if (status == 503 && failure == null) {
            message = "service unavailable, try again later"; // overload or shutdown, not a failure to log
        } else if (status >= 500) {
            String id = ErrorBodies.newErrorId();
            LOG.log(Level.SEVERE, "fleet: error id " + id + " answering " + ErrorBodies.printable(method) + " "
                    + ErrorBodies.printable(path) + (failure == null ? " (status " + status + ")" : ""), failure);
            message = ErrorBodies.serverMessage(id);
        } else {
            message = ErrorBodies.clientMessage(status, method, path);
        }
        long index = index();
        ErrorBodies.Body body = ErrorBodies.of(path, status, message, index);
        if (resp.isCommitted()) {
            return; // the status line is already out: nothing better to say
        }
        resp.resetBuffer();
        // written on HEAD too: with nothing written Payara appends its HTML report; the container drops a HEAD's body
        send(resp, status, body, index);
    }

    /** Writes an error answer: status, JSON body, and the header of its API (fleet's Server, etcd's X-Etcd-Index). */
    static void send(HttpServletResponse resp, int status, ErrorBodies.Body body, long index) throws IOException {
        resp.setStatus(status);
        resp.setContentType("application/json");
        switch (body.api()) {
            case FLEET -> resp.setHeader("Server", FleetV1Resource.SERVER);
            case ETCD -> resp.setHeader("X-Etcd-Index", Long.toString(index));
            default -> { }
        }
        resp.setContentLength(body.bytes().length);
        resp.getOutputStream().write(body.bytes());
    }

    /**
     * The client's connection closed under the answer (Grizzly's "Connection is closed", a broken pipe, a reset):
     * the request's own connection failed, not the node. Other I/O failures are the node's and stay 500s.
     */
    private static final java.util.regex.Pattern CLIENT_GONE =
            java.util.regex.Pattern.compile("Connection is closed|Broken pipe|Connection reset");

    static boolean clientGone(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof java.nio.channels.ClosedChannelException) {
                return true;
            }
            if (t instanceof java.io.IOException && t.getMessage() != null && CLIENT_GONE.matcher(t.getMessage()).find()) {
                return true;
            }
        }
        return false;
    }

    private long index() {
        try {
            return node.store().index();
        } catch (RuntimeException e) {
            return 0; // not started yet
        }
    }
}
