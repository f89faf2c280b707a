package io.weft.exporter.azure;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.weft.exporter.azure.Sender.Response;
import java.io.IOException;
import java.util.Arrays;
import org.jspecify.annotations.Nullable;

/**
 * The response stage: what the service's answer to one request means for each item of the batch it carried.
 *
 * <ul>
 *   <li>200: every item accepted.
 *   <li>206: per item, from the body's {@code errors}: no error, or 206 "Telemetry sampled out.", accepted;
 *       408/429/500/502/503/504/401/403 retried; 402/439 dropped for quota; anything else rejected. A body that
 *       cannot be read, or whose counts disagree with the batch ({@code itemsReceived}, {@code itemsAccepted},
 *       error indices), confirms nothing: every item is retried.
 *   <li>307/308: a redirect, for the caller to follow.
 *   <li>408, 429, 5xx, 401, 403: the request failed; every item is retried.
 *   <li>402, 439: every item dropped for quota; other statuses: every item rejected.
 * </ul>
 *
 * <p>A pure function of the response and the batch size: stateless and thread-safe.
 */
final class ResponseClassifier {
  private static final JsonFactory JSON = JsonFactory.builder().build();
  private static final String SAMPLED_OUT = "Telemetry sampled out.";

  /** What happens to one item. */
  enum Outcome {
    ACCEPTED, RETRY, REJECTED, QUOTA
  }

  /** What the answer means as a whole. */
  enum Kind {
    /** 200: every item accepted. */
    DELIVERED,
    /** 206 with a body that adds up: see the outcomes. */
    PARTIAL,
    /** A 206 that confirms nothing: every item retried. */
    UNTRUSTED,
    /** The request failed (retryable status): every item retried. The endpoint is failing. */
    FAILED,
    /** Every item dropped (rejected, or quota). */
    DROPPED,
    /** 307/308: follow {@code Location}. */
    REDIRECT
  }

  /**
   * The verdict on one answer.
   *
   * @param outcomes one per item (empty for a redirect)
   * @param detail what to log when not delivered: the status and what went wrong, or the first rejected item's
   *     message
   */
  record Verdict(Kind kind, Outcome[] outcomes, @Nullable String detail) {}

  private ResponseClassifier() {}

  /** The verdict on {@code response} to a request of {@code items} items. */
  static Verdict classify(Response response, int items) {
    int status = response.status();
    if (status == 200) {
      return new Verdict(Kind.DELIVERED, all(items, Outcome.ACCEPTED), null);
    }
    if (status == 206) {
      return partial(response.body(), items);
    }
    if (status == 307 || status == 308) {
      return new Verdict(Kind.REDIRECT, new Outcome[0], "status " + status);
    }
    if (retryable(status)) {
      return new Verdict(Kind.FAILED, all(items, Outcome.RETRY), "status " + status);
    }
    Outcome outcome = quota(status) ? Outcome.QUOTA : Outcome.REJECTED;
    return new Verdict(Kind.DROPPED, all(items, outcome), "status " + status + ": " + abbreviate(response.body()));
  }

  /** Whether a status (of a request, or of one item in a 206) is worth trying again. */
  static boolean retryable(int status) {
    return status == 408 || status == 429 || status == 401 || status == 403 || (status >= 500 && status <= 599);
  }

  private static boolean quota(int status) {
    return status == 402 || status == 439;
  }

  private static Verdict partial(String body, int items) {
    Outcome[] outcomes = all(items, Outcome.ACCEPTED);
    String firstRejection = null;
    long received = -1;
    long accepted = -1;
    int errors = 0;
    int sampledOut = 0;
    boolean errorsSeen = false;
    try (JsonParser p = JSON.createParser(body)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        return untrusted(items, "a 206 whose body is not a JSON object");
      }
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String field = p.currentName();
        JsonToken token = p.nextToken();
        switch (field) {
          case "itemsReceived" -> received = token == JsonToken.VALUE_NUMBER_INT ? p.getLongValue() : -1;
          case "itemsAccepted" -> accepted = token == JsonToken.VALUE_NUMBER_INT ? p.getLongValue() : -1;
          case "errors" -> {
            if (token != JsonToken.START_ARRAY) {
              return untrusted(items, "a 206 whose errors are not an array");
            }
            errorsSeen = true;
            while (p.nextToken() == JsonToken.START_OBJECT) {
              int index = -1;
              int code = -1;
              String message = "";
              while (p.nextToken() == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                JsonToken value = p.nextToken();
                switch (name) {
                  case "index" -> index = value == JsonToken.VALUE_NUMBER_INT ? p.getIntValue() : -1;
                  case "statusCode" -> code = value == JsonToken.VALUE_NUMBER_INT ? p.getIntValue() : -1;
                  case "message" -> message = value == JsonToken.VALUE_STRING ? p.getText() : "";
                  default -> p.skipChildren();
                }
              }
              if (index < 0 || index >= items || code < 0 || outcomes[index] != Outcome.ACCEPTED) {
                return untrusted(items, "a 206 with an error for item " + index + " of " + items);
              }
              errors++;
              if (code == 206 && SAMPLED_OUT.equals(message)) {
                sampledOut++; // accepted, then not kept: ingestion sampling
              } else if (retryable(code)) {
                outcomes[index] = Outcome.RETRY;
              } else {
                outcomes[index] = quota(code) ? Outcome.QUOTA : Outcome.REJECTED;
                if (firstRejection == null) {
                  firstRejection = "item rejected with " + code + ": " + abbreviate(message);
                }
              }
            }
          }
          default -> p.skipChildren();
        }
      }
    } catch (IOException | RuntimeException unreadable) {
      return untrusted(items, "a 206 whose body cannot be read");
    }
    // Sampled-out items may be counted either as accepted or as errors: both add up.
    boolean addsUp = received == items && errorsSeen
        && (accepted == received - errors || accepted == received - errors + sampledOut);
    if (!addsUp) {
      return untrusted(items, "a 206 whose counts disagree with the batch (itemsReceived " + received
          + ", itemsAccepted " + accepted + ", " + errors + " errors, " + items + " items sent)");
    }
    return new Verdict(Kind.PARTIAL, outcomes, firstRejection);
  }

  private static Verdict untrusted(int items, String why) {
    return new Verdict(Kind.UNTRUSTED, all(items, Outcome.RETRY), why + "; resending every item");
  }

  private static Outcome[] all(int items, Outcome outcome) {
    Outcome[] outcomes = new Outcome[items];
    Arrays.fill(outcomes, outcome);
    return outcomes;
  }

  private static String abbreviate(@Nullable String text) {
    if (text == null) {
      return "";
    }
    return text.length() <= 300 ? text : text.substring(0, 300) + "…";
  }
}
