/**
 * MongoDB tracing for the reactive-streams driver: {@link io.weft.mongodb.MongoTracing} installs a command listener
 * and a context provider on {@code MongoClientSettings}, so that every command becomes a {@code mongodb} dependency
 * parented by the span of the subscriber's Reactor context.
 */
@NullMarked
package io.weft.mongodb;

import org.jspecify.annotations.NullMarked;
