namespace Pyboxtech.Med.Web.Data;

/// <summary>The database's migration history does not belong to this build; the message says what to do.</summary>
public sealed class MigrationHistoryMismatchException : Exception
{
    public MigrationHistoryMismatchException()
    {
    }

    public MigrationHistoryMismatchException(string message)
        : base(message)
    {
    }

    public MigrationHistoryMismatchException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
