/** Runnable Weft examples; {@link io.weft.examples.QuickStart} is what the README's first command runs. */
@NullMarked
package io.weft.examples;

import org.jspecify.annotations.NullMarked;
