package io.weft.core;

/** A span's outcome. {@code UNSET} counts as success; {@code OK} is final once set. */
public enum StatusCode {
  /** No explicit outcome: success unless an integration says otherwise. */
  UNSET,
  /** Explicitly successful; later status changes are ignored. */
  OK,
  /** Failed; the description says why. */
  ERROR
}
