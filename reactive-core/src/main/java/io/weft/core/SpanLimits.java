package io.weft.core;

/** The bounds every span obeys; what goes over them is cut and counted in {@link TracerStats}. */
public final class SpanLimits {
  /** Attributes per span; further new keys are dropped. */
  public static final int MAX_ATTRIBUTES = 128;
  /** Characters per string attribute value; longer values are truncated. */
  public static final int MAX_VALUE_LENGTH = 8192;
  /** Characters per span name; longer names are truncated. */
  public static final int MAX_NAME_LENGTH = 1024;

  private SpanLimits() {}
}
