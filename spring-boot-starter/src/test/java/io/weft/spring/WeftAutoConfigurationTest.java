package io.weft.spring;

import static org.assertj.core.api.Assertions.assertThat;

import io.r2dbc.spi.ConnectionFactories;
import io.r2dbc.spi.ConnectionFactory;
import io.weft.core.LogCorrelation;
import io.weft.core.Tracer;
import io.weft.core.export.InMemorySpanExporter;
import io.weft.r2dbc.R2dbcTracing;
import com.mongodb.reactivestreams.client.MongoClient;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationRegistry;
import io.weft.core.export.SpanData;
import de.bwaldvogel.mongo.MongoServer;
import de.bwaldvogel.mongo.backend.memory.MemoryBackend;
import java.net.InetSocketAddress;
import java.time.Duration;
import org.bson.Document;
import org.junit.jupiter.api.Test;
import org.springframework.boot.mongodb.autoconfigure.MongoReactiveAutoConfiguration;
import reactor.core.publisher.Mono;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ReactiveWebApplicationContextRunner;
import org.springframework.boot.webclient.WebClientCustomizer;
import org.springframework.http.server.reactive.HttpHandlerDecoratorFactory;

/** Which parts the starter turns on, and each property that turns one off. */
class WeftAutoConfigurationTest {
  final ReactiveWebApplicationContextRunner runner = new ReactiveWebApplicationContextRunner()
      .withConfiguration(AutoConfigurations.of(WeftAutoConfiguration.class))
      .withPropertyValues("spring.application.name=shop")
      .withBean("factory", ConnectionFactory.class, () -> ConnectionFactories.get("r2dbc:h2:mem:///opt-out"));

  @Test
  void everyPartIsOnByDefaultAndTheServiceNameIsTheApplicationsName() {
    runner.run(context -> {
      assertThat(context).hasSingleBean(Tracer.class).hasSingleBean(HttpHandlerDecoratorFactory.class)
          .hasSingleBean(WebClientCustomizer.class);
      assertThat(context.getBean(Tracer.class).resource().serviceName()).isEqualTo("shop");
      assertThat(R2dbcTracing.isTraced(context.getBean(ConnectionFactory.class))).isTrue();
      assertThat(Tracer.global()).isSameAs(context.getBean(Tracer.class));
    });
  }

  @Test
  void eachPartHasItsOwnOptOut() {
    runner.withPropertyValues("weft.webflux.enabled=false").run(context ->
        assertThat(context).doesNotHaveBean(HttpHandlerDecoratorFactory.class).hasSingleBean(Tracer.class));
    runner.withPropertyValues("weft.webclient.enabled=false").run(context ->
        assertThat(context).doesNotHaveBean(WebClientCustomizer.class));
    runner.withPropertyValues("weft.r2dbc.enabled=false").run(context ->
        assertThat(R2dbcTracing.isTraced(context.getBean(ConnectionFactory.class))).isFalse());
    runner.withPropertyValues("weft.enabled=false").run(context ->
        assertThat(context).doesNotHaveBean(Tracer.class).doesNotHaveBean(HttpHandlerDecoratorFactory.class));
    runner.withPropertyValues("weft.mongodb.enabled=false").run(context ->
        assertThat(context).doesNotHaveBean("weftMongoCustomizer").hasSingleBean(Tracer.class));
    runner.run(context -> assertThat(context).hasBean("weftMongoCustomizer"));
    try {
      runner.withPropertyValues("weft.log-correlation.enabled=false").run(context ->
          assertThat(LogCorrelation.isEnabled()).isFalse());
    } finally {
      LogCorrelation.setEnabled(true);
    }
    runner.withPropertyValues("weft.service-name=checkout").run(context ->
        assertThat(context.getBean(Tracer.class).resource().serviceName()).isEqualTo("checkout"));
  }

  @Test
  void aFactoryTracedAlreadyIsNotWrappedTwiceAndTheApplicationsTracerWins() {
    Tracer own = Tracer.builder().serviceName("own").exporter(InMemorySpanExporter.create()).build();
    ConnectionFactory traced = R2dbcTracing.create(own).wrap(ConnectionFactories.get("r2dbc:h2:mem:///traced"));
    runner.withAllowBeanDefinitionOverriding(true)
        .withBean("factory", ConnectionFactory.class, () -> traced).withBean(Tracer.class, () -> own)
        .run(context -> {
          assertThat(context.getBean(ConnectionFactory.class)).isSameAs(traced);
          assertThat(context.getBean(Tracer.class)).isSameAs(own);
        });
  }

  @Test
  void theReactiveMongoClientBootBuildsIsTraced() {
    MongoServer server = new MongoServer(new MemoryBackend());
    server.bind("127.0.0.1", 0);
    InetSocketAddress address = server.getLocalAddress();
    InMemorySpanExporter exported = InMemorySpanExporter.create();
    Tracer tracer = Tracer.builder().serviceName("shop").exporter(exported).build();
    try {
      runner.withConfiguration(AutoConfigurations.of(MongoReactiveAutoConfiguration.class))
          .withBean(Tracer.class, () -> tracer)
          .withPropertyValues("spring.mongodb.uri=mongodb://127.0.0.1:" + address.getPort() + "/shop")
          .run(context -> {
            MongoClient client = context.getBean(MongoClient.class);
            Mono.from(client.getDatabase("shop").getCollection("orders").insertOne(new Document("_id", 1)))
                .block(Duration.ofSeconds(30));
          });
      assertThat(exported.spans()).filteredOn(span -> span.name().equals("insert orders")).singleElement()
          .satisfies(span -> assertThat(span.attributes().get("db.system")).isEqualTo("mongodb"));
    } finally {
      server.shutdownNow();
    }
  }

  @Test
  void observationsBecomeSpansExceptThoseWeftTracesItself() {
    InMemorySpanExporter exported = InMemorySpanExporter.create();
    Tracer tracer = Tracer.builder().serviceName("shop").exporter(exported).build();
    runner.withBean(Tracer.class, () -> tracer).withBean(ObservationRegistry.class, ObservationRegistry::create)
        .run(context -> {
          ObservationRegistry registry = context.getBean(ObservationRegistry.class);
          Observation.createNotStarted("cache.get", registry).observe(() -> { });
          Observation.createNotStarted("http.server.requests", registry).observe(() -> { });
          Observation.createNotStarted("reactor.netty.http.client.response.time", registry).observe(() -> { });
        });
    assertThat(exported.spans()).extracting(SpanData::name).containsExactly("cache.get");

    runner.withPropertyValues("weft.suppress-duplicate-observations.enabled=false", "weft.webclient.enabled=false")
        .withBean(ObservationRegistry.class, ObservationRegistry::create).run(context -> {
          ObservationRegistry registry = context.getBean(ObservationRegistry.class);
          assertThat(Observation.start("http.server.requests", registry).isNoop()).isFalse();
        });
    runner.withPropertyValues("weft.webflux.enabled=false")
        .withBean(ObservationRegistry.class, ObservationRegistry::create).run(context -> {
          ObservationRegistry registry = context.getBean(ObservationRegistry.class);
          assertThat(Observation.start("http.server.requests", registry).isNoop())
              .as("Weft does not trace the server: Boot's observation stays").isFalse();
          assertThat(Observation.start("http.client.requests", registry).isNoop()).isTrue();
        });
  }

  /** The span the thread sees inside {@code map} after a hop to another scheduler, under a traced root. */
  static boolean spanVisibleAfterHop(Tracer tracer) {
    return Boolean.TRUE.equals(Mono.just(1).publishOn(reactor.core.scheduler.Schedulers.parallel())
        .map(v -> io.weft.core.Span.current().context().isValid())
        .transform(tracer.mono("root")).block(Duration.ofSeconds(10)));
  }

  @Test
  void reactorContextPropagationIsOnUnlessTurnedOff() {
    reactor.core.publisher.Hooks.disableAutomaticContextPropagation();
    try {
      runner.withPropertyValues("weft.reactor-context-propagation.enabled=false").run(context ->
          assertThat(spanVisibleAfterHop(context.getBean(Tracer.class))).isFalse());
      runner.run(context -> assertThat(spanVisibleAfterHop(context.getBean(Tracer.class))).isTrue());
    } finally {
      // as every other context of this JVM's tests left it (the starter's default)
      reactor.core.publisher.Hooks.enableAutomaticContextPropagation();
    }
  }
}
