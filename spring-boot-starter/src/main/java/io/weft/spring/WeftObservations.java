package io.weft.spring;

import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationPredicate;
import io.micrometer.observation.ObservationRegistry;
import io.weft.core.Tracer;
import io.weft.micrometer.WeftObservationHandler;
import java.util.ArrayList;
import java.util.List;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.config.BeanPostProcessor;

/**
 * Weft on the application's {@link ObservationRegistry}: a {@link WeftObservationHandler} so that libraries
 * instrumented with Micrometer Observation are traced, and a predicate that turns off the observations of the calls
 * Weft already traces itself, so that neither Weft's handler nor Micrometer Tracing records them a second time:
 *
 * <ul>
 *   <li>{@code http.server.requests} and {@code reactor.netty.http.server.*} while WebFlux server spans are on;
 *   <li>{@code http.client.requests} and {@code reactor.netty.http.client.*} while WebClient spans are on;
 *   <li>{@code r2dbc.query} (r2dbc-proxy's observations) while R2DBC spans are on.
 * </ul>
 */
final class WeftObservations implements BeanPostProcessor {
  private final ObjectProvider<Tracer> tracer;
  private final ObjectProvider<WeftProperties> settings;

  /** Both are looked up when a registry appears: a post-processor is created before other beans are bound. */
  WeftObservations(ObjectProvider<Tracer> tracer, ObjectProvider<WeftProperties> settings) {
    this.tracer = tracer;
    this.settings = settings;
  }

  @Override
  public Object postProcessAfterInitialization(Object bean, String beanName) {
    if (bean instanceof ObservationRegistry registry && registry != ObservationRegistry.NOOP) {
      WeftProperties properties = settings.getObject();
      if (properties.getSuppressDuplicateObservations().isEnabled()) {
        registry.observationConfig().observationPredicate(new TracedByWeft(tracedPrefixes(properties)));
      }
      if (properties.getObservations().isEnabled()) {
        registry.observationConfig().observationHandler(new WeftObservationHandler(tracer.getObject()));
      }
    }
    return bean;
  }

  /** The names (exact, or prefixes ending in a dot) of the observations Weft's own integrations cover. */
  static List<String> tracedPrefixes(WeftProperties properties) {
    List<String> names = new ArrayList<>();
    if (properties.getWebflux().isEnabled()) {
      names.add("http.server.requests");
      names.add("reactor.netty.http.server.");
    }
    if (properties.getWebclient().isEnabled()) {
      names.add("http.client.requests");
      names.add("reactor.netty.http.client.");
    }
    if (properties.getR2dbc().isEnabled()) {
      names.add("r2dbc.query");
    }
    return List.copyOf(names);
  }

  /** Rejects the observations Weft traces itself. */
  static final class TracedByWeft implements ObservationPredicate {
    private final List<String> names;

    TracedByWeft(List<String> names) {
      this.names = names;
    }

    @Override
    public boolean test(String name, Observation.Context context) {
      for (String traced : names) {
        if (traced.endsWith(".") ? name.startsWith(traced) : name.equals(traced)) {
          return false;
        }
      }
      return true;
    }
  }
}
