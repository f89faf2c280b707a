/**
 * Weft module {@code r2dbc-tracing}. Its capability is specified by issue #5 and lands with that issue; until then the
 * module is part of the build so that the BOM, the parent and CI cover it from the first commit.
 */
@NullMarked
package io.weft.r2dbc;

import org.jspecify.annotations.NullMarked;
