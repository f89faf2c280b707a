/**
 * Weft's test kit, for Weft's own modules and for users' tests: {@link io.weft.testing.StrictSpanSink} (an exporter
 * and JUnit 5 extension that fails a test when spans are left over or reported twice) and {@link
 * io.weft.testing.SpanAssert} (AssertJ assertions on exported spans).
 */
@NullMarked
package io.weft.testing;

import org.jspecify.annotations.NullMarked;
