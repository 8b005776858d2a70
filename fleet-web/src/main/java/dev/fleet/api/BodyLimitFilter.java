package dev.fleet.api;

import dev.fleet.node.FleetNode;
import dev.fleet.node.NodeLimits;
import jakarta.ejb.EJB;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.http.HttpFilter;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import jakarta.servlet.http.HttpServletResponse;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;

/**
 * The body limit of every request ({@link BodyLimit}, {@code limit_body_bytes}): a Content-Length over it is answered
 * 413 at once, unread; a longer chunked body is cut the moment it passes the limit (the resource's reader fails with
 * {@link BodyLimit.TooLarge}) and answered 413 too. Either way in the error JSON of the API asked, with
 * {@code Connection: close}, so the container does not read the rest to reuse the connection. Declared in web.xml
 * after RequestGuardFilter: Host, Origin and identity are checked first.
 */
public class BodyLimitFilter extends HttpFilter {
    @EJB
    FleetNode node;

    private volatile Long limit;

    private long limit() {
        Long l = limit;
        if (l == null) {
            try {
                l = node.settings().limits().bodyBytes();
            } catch (RuntimeException e) {
                l = NodeLimits.fromSystemProperties(System.getProperties()).bodyBytes(); // not started yet
            }
            limit = l;
        }
        return l;
    }

    @Override
    protected void doFilter(HttpServletRequest req, HttpServletResponse resp, FilterChain chain) throws IOException, ServletException {
        long max = limit();
        String refusal = BodyLimit.declared(req.getContentLengthLong(), max);
        if (refusal != null) {
            refuse(req, resp, refusal);
            return;
        }
        Limited limited = new Limited(req, max);
        try {
            chain.doFilter(limited, resp);
        } catch (IOException | ServletException | RuntimeException e) {
            BodyLimit.TooLarge tl = BodyLimit.in(e);
            if (tl == null && limited.counted != null) {
                tl = limited.counted.tripped();
            }
            if (tl == null || resp.isCommitted()) {
                throw e;
            }
            resp.reset();
            refuse(req, resp, tl.getMessage());
        }
    }

    private void refuse(HttpServletRequest req, HttpServletResponse resp, String message) throws IOException {
        String path = ErrorBodies.pathBelow(req.getContextPath(), req.getRequestURI());
        long index = index();
        ErrorBodies.Body body = ErrorBodies.of(path, 413, message, index);
        resp.setHeader("Connection", "close");
        ErrorPageServlet.send(resp, 413, body, index);
    }

    private long index() {
        try {
            return node.store().index();
        } catch (RuntimeException e) {
            return 0;
        }
    }

    /** The request with its body read through a {@link BodyLimit.Counted} stream. */
    static final class Limited extends HttpServletRequestWrapper {
        private final long max;
        BodyLimit.Counted counted;
        private ServletInputStream stream;

        Limited(HttpServletRequest req, long max) {
            super(req);
            this.max = max;
        }

        @Override
        public ServletInputStream getInputStream() throws IOException {
            if (stream == null) {
                ServletInputStream in = super.getInputStream();
                counted = new BodyLimit.Counted(in, max);
                BodyLimit.Counted c = counted;
                stream = new ServletInputStream() {
                    @Override
                    public boolean isFinished() {
                        return in.isFinished();
                    }

                    @Override
                    public boolean isReady() {
                        return in.isReady();
                    }

                    @Override
                    public void setReadListener(ReadListener listener) {
                        in.setReadListener(listener);
                    }

                    @Override
                    public int read() throws IOException {
                        return c.read();
                    }

                    @Override
                    public int read(byte[] b, int off, int len) throws IOException {
                        return c.read(b, off, len);
                    }

                    @Override
                    public long skip(long n) throws IOException {
                        return c.skip(n);
                    }

                    @Override
                    public int available() throws IOException {
                        return c.available();
                    }
                };
            }
            return stream;
        }

        @Override
        public BufferedReader getReader() throws IOException {
            String enc = getCharacterEncoding();
            Charset cs = enc == null ? StandardCharsets.UTF_8 : Charset.forName(enc);
            return new BufferedReader(new InputStreamReader(getInputStream(), cs));
        }
    }
}
