/**
 * Weft module {@code exporter-reactive}. Its capability is specified by issue #4 and lands with that issue; until then the
 * module is part of the build so that the BOM, the parent and CI cover it from the first commit.
 */
@NullMarked
package io.weft.exporter.azure;

import org.jspecify.annotations.NullMarked;
