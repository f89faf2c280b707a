package io.weft.spring;

import io.r2dbc.spi.ConnectionFactory;
import io.r2dbc.spi.ConnectionFactoryOptions;
import io.weft.core.LogCorrelation;
import io.weft.core.Tracer;
import io.weft.core.instrumentation.DbTracing;
import io.weft.core.instrumentation.HttpTracing;
import io.weft.mongodb.MongoTracing;
import io.weft.r2dbc.R2dbcTracing;
import java.time.Duration;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.mongodb.autoconfigure.MongoClientSettingsBuilderCustomizer;
import org.springframework.boot.webclient.WebClientCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;
import org.springframework.http.server.reactive.HttpHandlerDecoratorFactory;
import org.springframework.web.server.WebFilter;
import reactor.core.publisher.Hooks;

/**
 * Weft in a Spring Boot application: a {@link Tracer} configured from {@code weft.*} and the usual environment
 * variables, installed as the global tracer and flushed when the context closes, and each integration the
 * application's class path calls for. Every part can be turned off with {@code weft.<part>.enabled=false}, all of
 * Weft with {@code weft.enabled=false}.
 */
@AutoConfiguration
@ConditionalOnBooleanProperty(name = "weft.enabled", matchIfMissing = true)
@EnableConfigurationProperties(WeftProperties.class)
public class WeftAutoConfiguration {
  private static final Logger LOG = LoggerFactory.getLogger(WeftAutoConfiguration.class);

  /** The application's tracer, unless it defines its own {@link Tracer} bean. */
  @Bean
  @ConditionalOnMissingBean
  public Tracer weftTracer(WeftProperties properties, Environment environment) {
    // logs where spans go, or why they go nowhere
    return Tracer.fromConfig(WeftSettings.config(properties, environment));
  }

  /** Makes the tracer global at startup (for integrations configured outside Spring) and flushes it at shutdown. */
  @Bean
  public WeftLifecycle weftLifecycle(Tracer tracer, WeftProperties properties) {
    return new WeftLifecycle(tracer, properties);
  }

  /** Shared HTTP settings of the server and client integrations. */
  @Bean
  @ConditionalOnMissingBean
  public HttpTracing weftHttpTracing(Tracer tracer) {
    return HttpTracing.create(tracer);
  }

  /** Shared database settings of the R2DBC and MongoDB integrations. */
  @Bean
  @ConditionalOnMissingBean
  public DbTracing weftDbTracing(Tracer tracer) {
    return DbTracing.create(tracer);
  }

  /** Installs the tracer globally, turns on context propagation and log correlation, flushes at shutdown. */
  public static final class WeftLifecycle implements DisposableBean {
    private final Tracer tracer;

    WeftLifecycle(Tracer tracer, WeftProperties properties) {
      this.tracer = tracer;
      Tracer.setGlobal(tracer);
      if (properties.getReactorContextPropagation().isEnabled()) {
        Hooks.enableAutomaticContextPropagation();
      }
      LogCorrelation.setEnabled(properties.getLogCorrelation().isEnabled());
    }

    @Override
    public void destroy() {
      try {
        tracer.shutdown().block(Duration.ofSeconds(10));
      } catch (RuntimeException e) {
        LOG.warn("Weft could not flush its spans at shutdown: {}", e.toString());
      }
    }
  }

  /** Server spans for every WebFlux request. */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.REACTIVE)
  @ConditionalOnClass(name = "org.springframework.web.reactive.DispatcherHandler")
  @ConditionalOnBooleanProperty(name = "weft.webflux.enabled", matchIfMissing = true)
  static class WebFluxServer {
    @Bean
    HttpHandlerDecoratorFactory weftHttpHandlerDecorator(HttpTracing tracing) {
      var handler = tracing.serverHandler(ServerRequestAdapter.INSTANCE);
      return httpHandler -> new TracingHttpHandler(httpHandler, handler);
    }

    @Bean
    WebFilter weftRouteNamingFilter() {
      return new RouteNamingFilter();
    }
  }

  /** Client spans for every {@code WebClient} built from Spring's {@code WebClient.Builder}. */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnClass(name = {"org.springframework.web.reactive.function.client.WebClient",
      "org.springframework.boot.webclient.WebClientCustomizer"})
  @ConditionalOnBooleanProperty(name = "weft.webclient.enabled", matchIfMissing = true)
  static class WebClientTracing {
    @Bean
    WebClientCustomizer weftWebClientCustomizer(HttpTracing tracing) {
      TracingExchangeFilter filter = new TracingExchangeFilter(tracing);
      return builder -> builder.filters(filters -> {
        if (filters.stream().noneMatch(TracingExchangeFilter.class::isInstance)) {
          filters.add(0, filter);
        }
      });
    }
  }

  /** Database spans for every R2DBC {@code ConnectionFactory} bean. */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnClass(name = "io.r2dbc.spi.ConnectionFactory")
  @ConditionalOnBooleanProperty(name = "weft.r2dbc.enabled", matchIfMissing = true)
  static class R2dbc {
    @Bean
    static BeanPostProcessor weftR2dbcPostProcessor(ObjectProvider<DbTracing> db, Environment environment) {
      return new BeanPostProcessor() {
        private @Nullable R2dbcTracing tracing; // created on first use: a post-processor starts before other beans

        @Override
        public Object postProcessAfterInitialization(Object bean, String beanName) {
          if (bean instanceof ConnectionFactory factory && !R2dbcTracing.isTraced(factory)) {
            R2dbcTracing created = tracing;
            if (created == null) {
              created = R2dbcTracing.create(db.getObject());
              tracing = created;
            }
            return created.wrap(factory, bootOptions(beanName, environment));
          }
          return bean;
        }
      };
    }

    /**
     * The options of the factory Spring Boot builds from {@code spring.r2dbc.url} (its database and server name the
     * spans' target; R2DBC factories do not tell), for that bean only.
     */
    static @Nullable ConnectionFactoryOptions bootOptions(String beanName, Environment environment) {
      String url = environment.getProperty("spring.r2dbc.url");
      if (!"connectionFactory".equals(beanName) || url == null || url.isBlank()) {
        return null;
      }
      try {
        return ConnectionFactoryOptions.parse(url);
      } catch (RuntimeException e) {
        return null; // Boot reports a malformed URL itself
      }
    }
  }

  /** Weft on every {@code ObservationRegistry}: observations become spans, duplicates of Weft's own are off. */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnClass(name = "io.micrometer.observation.ObservationRegistry")
  static class Observations {
    @Bean
    static BeanPostProcessor weftObservations(ObjectProvider<Tracer> tracer, ObjectProvider<WeftProperties> properties) {
      return new WeftObservations(tracer, properties);
    }
  }

  /** Database spans for every reactive MongoDB client Spring Boot builds. */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnClass(name = {"com.mongodb.reactivestreams.client.MongoClient",
      "org.springframework.boot.mongodb.autoconfigure.MongoClientSettingsBuilderCustomizer"})
  @ConditionalOnBooleanProperty(name = "weft.mongodb.enabled", matchIfMissing = true)
  static class Mongo {
    @Bean
    MongoClientSettingsBuilderCustomizer weftMongoCustomizer(DbTracing db) {
      MongoTracing tracing = MongoTracing.create(db);
      return builder -> {
        if (!MongoTracing.isTraced(builder.build())) {
          tracing.configure(builder);
        }
      };
    }
  }
}
