/** Turns Micrometer observations into Weft spans: {@link io.weft.micrometer.WeftObservationHandler}. */
@NullMarked
package io.weft.micrometer;

import org.jspecify.annotations.NullMarked;
