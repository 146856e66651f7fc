namespace Docx2Pdf.Testing;

/// <summary>
/// The two test layers. Fast tests (no trait) start nothing: no LibreOffice, no Pub/Sub emulator, no storage server, no
/// Kestrel. Integration tests carry <c>[Trait("Layer", "Integration")]</c> on their class. <c>bash eng/test.sh --fast</c>
/// runs only the fast layer and sets <see cref="Variable"/> to <c>fast</c>; every fixture that starts a real component calls
/// <see cref="RequireIntegration"/> first, so a test that starts one without the trait fails loudly there instead of
/// slowing the fast layer down or failing on a machine without LibreOffice.
/// </summary>
public static class TestLayer
{
    /// <summary>The trait name.</summary>
    public const string Trait = "Layer";

    /// <summary>The trait value of tests that start real components.</summary>
    public const string Integration = "Integration";

    /// <summary>Set to <c>fast</c> by <c>eng/test.sh --fast</c>.</summary>
    public const string Variable = "DOCX2PDF_TEST_LAYER";

    /// <summary>True when the fast layer alone is running.</summary>
    public static bool FastOnly => string.Equals(Environment.GetEnvironmentVariable(Variable), "fast", StringComparison.OrdinalIgnoreCase);

    /// <summary>Throws when the fast layer alone is running: <paramref name="component"/> belongs to integration tests.</summary>
    /// <param name="component">What the caller is about to start, for the message.</param>
    public static void RequireIntegration(string component)
    {
        if (FastOnly)
        {
            throw new InvalidOperationException(
                $"This test starts {component}, but it runs in the fast layer ({Variable}=fast). Mark its class " +
                $"[Trait(\"{Trait}\", \"{Integration}\")], or replace {component} with a test double (README, \"Tests\").");
        }
    }
}
