namespace Cortex.Api.Infrastructure.Embedded;

/// <summary>The database file cannot be used as it is; an operator has to act. The app refuses to start.</summary>
internal sealed class DatabaseUnusableException : Exception
{
    public DatabaseUnusableException(string path, string cause, Exception? innerException = null)
        : base($"Cortex cannot use the database {path}: {cause}.", innerException)
    {
        Path = path;
        Cause = cause;
    }

    public string Path { get; }

    public string Cause { get; }
}
