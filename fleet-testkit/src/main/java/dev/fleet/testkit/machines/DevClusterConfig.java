package dev.fleet.testkit.machines;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * The dev cluster a test class gets from {@code @ExtendWith(DevClusterExtension.class)}; see
 * {@link DevClusterExtension} for the {@code @RegisterExtension} form.
 */
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.TYPE)
public @interface DevClusterConfig {
    int nodes() default 1;

    int machines() default 2;

    /** The agents' --agent-ttl. */
    String ttl() default "5s";

    /** Per machine: "m1:region=eu,disk=ssd". */
    String[] metadata() default {};

    /** False boots bare machines (no fleet-agent.service). */
    boolean agents() default true;
}
