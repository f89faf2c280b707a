/**
 * Internal helpers shared across Weft's packages and modules. <b>Not a public API</b>: anything here may change or
 * disappear in any release without notice.
 */
@NullMarked
package io.weft.core.internal;

import org.jspecify.annotations.NullMarked;
