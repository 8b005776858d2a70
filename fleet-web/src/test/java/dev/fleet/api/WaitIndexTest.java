package dev.fleet.api;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class WaitIndexTest {
    @Test
    void acceptsZeroToTwoToTheFiftyThree() {
        assertThat(WaitIndex.parse("0")).isZero();
        assertThat(WaitIndex.parse("12")).isEqualTo(12);
        assertThat(WaitIndex.parse("9007199254740992")).isEqualTo(WaitIndex.MAX);
        assertThat(WaitIndex.MAX + 1).isPositive(); // the agent's "after N" arithmetic cannot overflow
    }

    @Test
    void refusesOverflowNegativesAndNonNumbersWithAMessageThatSaysTheRange() {
        for (String bad : new String[]{"9223372036854775807", "9223372036854775808", "9007199254740993", "-1",
                "-9223372036854775808", "", " 1", "0x10", "1.5", "\u0000"}) {
            assertThatThrownBy(() -> WaitIndex.parse(bad)).as(bad).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("from 0 to 9007199254740992").hasMessageNotContaining("\u0000");
        }
    }
}
