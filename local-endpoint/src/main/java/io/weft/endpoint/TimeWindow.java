package io.weft.endpoint;

import java.util.ArrayList;
import java.util.List;

/**
 * The items of the last {@code minutes} minutes, counted back from the newest item's start rather than from now:
 * what a developer just sent stays in view however long ago they sent it. {@code minutes=0} (the default) means
 * everything: then {@code from} is NaN.
 */
record TimeWindow(double from, double to) {

  static TimeWindow of(List<TelemetryItem> items, QueryParameters parameters) {
    int minutes = parameters.integer("minutes", 0, 0, 525_600);
    double newest = Double.NEGATIVE_INFINITY;
    for (TelemetryItem item : items) {
      double start = item.summary().start();
      if (!Double.isNaN(start)) {
        newest = Math.max(newest, start);
      }
    }
    if (newest == Double.NEGATIVE_INFINITY) {
      return new TimeWindow(Double.NaN, Double.NaN);
    }
    return new TimeWindow(minutes == 0 ? Double.NaN : newest - minutes * 60_000.0, newest);
  }

  /** The items that started in the window (items without a readable time only when the window is unbounded). */
  List<TelemetryItem> select(List<TelemetryItem> items) {
    List<TelemetryItem> selected = new ArrayList<>();
    for (TelemetryItem item : items) {
      double start = item.summary().start();
      if (Double.isNaN(from) || (!Double.isNaN(start) && start >= from && start <= to)) {
        selected.add(item);
      }
    }
    return selected;
  }
}
