using Pyboxtech.Med.Tests.Infrastructure;

[assembly: AssemblyFixture(typeof(PostgresServerShutdown))]
