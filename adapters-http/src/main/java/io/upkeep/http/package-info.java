/**
 * The HTTP transport the adapters share: one place for HttpClient 5, Jackson, Resilience4j retries
 * and rate limit, TLS and secrets, so each adapter holds only its vendor's API.
 */
package io.upkeep.http;
