/**
 * The one door to Vert.x's and Netty's internals: every use of an {@code impl} or {@code internal} class of
 * the framework, reflection included, lives here, behind small types of ours. A Vert.x upgrade can break
 * only this package, and the tests named {@code *MustKeep*} / {@code *InternalsTest} say what it must keep
 * true. ArchitectureTest forbids such imports anywhere else.
 */
package io.socketpush.internal;
