package dev.fleet.cli;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThatCode;

/** The training run behind bin/fleetctl's class-data archive must list successfully, or it trains the wrong classes. */
class TrainingTest {
    @Test
    void everyTrainingListingSucceeds() {
        assertThatCode(() -> Training.main(new String[0])).doesNotThrowAnyException();
    }
}
