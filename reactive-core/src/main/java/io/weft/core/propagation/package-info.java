/** W3C Trace Context: parsing and formatting {@code traceparent} and {@code tracestate}. */
@NullMarked
package io.weft.core.propagation;

import org.jspecify.annotations.NullMarked;
