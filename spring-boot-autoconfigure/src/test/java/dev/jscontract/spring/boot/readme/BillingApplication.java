package dev.jscontract.spring.boot.readme;

import dev.jscontract.contract.Backoff;
import dev.jscontract.contract.ConsumerContract;
import dev.jscontract.contract.DeadLetterPolicy;
import java.time.Duration;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.context.annotation.Bean;

/** The README's "Spring Boot" example: a contract as a bean (compiled and run by {@link BillingApplicationIT}). */
// readme:application
@SpringBootApplication
public class BillingApplication {
    @Bean
    ConsumerContract billing() {
        return ConsumerContract.builder().stream("ORDERS")
                .durable("billing")
                .ackWait(Duration.ofSeconds(30))
                .maxDeliver(5)
                .backoff(Backoff.exponential(Duration.ofSeconds(1), 2.0, Duration.ofMinutes(1)))
                .deadLetter(DeadLetterPolicy.toDefaultSubject())
                .maxAckPending(64)
                .concurrency(4)
                .maxProcessingTime(Duration.ofMinutes(2))
                .build();
    }
}
// readme:end
