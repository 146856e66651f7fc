namespace Docx2Pdf.Core.Tests.DependencyInjection;

/// <summary>Tests that set process environment variables run alone, never beside tests that read them.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class EnvironmentCollection
{
    public const string Name = "Process environment";
}

/// <summary>Sets environment variables for the scope of a test and restores them after.</summary>
internal sealed class EnvironmentScope : IDisposable
{
    private readonly Dictionary<string, string?> _saved = [];

    public EnvironmentScope(params (string Name, string? Value)[] variables)
    {
        foreach (var (name, value) in variables)
        {
            _saved.TryAdd(name, Environment.GetEnvironmentVariable(name));
            Environment.SetEnvironmentVariable(name, value);
        }
    }

    /// <summary>Clears every variable that changes Docx2Pdf's defaults.</summary>
    public static EnvironmentScope Clean(params (string Name, string? Value)[] variables) =>
        new([("OUTPUT_BUCKET", null), ("STORAGE_EMULATOR_HOST", null), ("K_SERVICE", null), .. variables]);

    public void Dispose()
    {
        foreach (var (name, value) in _saved)
        {
            Environment.SetEnvironmentVariable(name, value);
        }
    }
}
