/** Samplers: which traces are recorded. */
@NullMarked
package io.weft.core.sampler;

import org.jspecify.annotations.NullMarked;
