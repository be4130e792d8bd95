/** A journal store on a SQL database over JDBC. */
package io.upkeep.jdbc;
