/**
 * Runnable Weft examples: {@link io.weft.examples.OrdersExample}, the traced orders and inventory services under
 * load that the README's first command runs, and {@link io.weft.examples.QuickStart}, a minimal traced program.
 */
@NullMarked
package io.weft.examples;

import org.jspecify.annotations.NullMarked;
