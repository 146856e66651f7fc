using System.Globalization;
using System.Text;
using Docx2Pdf.AspNetCore.PubSub;
using Docx2Pdf.Conversion;
using Docx2Pdf.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Docx2Pdf.AspNetCore.Tests.Deployment;

/// <summary>
/// eng/deploy-cloud-run.sh --dry-run: the printed recipe is complete, runnable, idempotent and agrees with the library's own
/// defaults (ack deadline, concurrency = pool + queue, retry ceiling). No cloud is reached: nothing is run but the script.
/// </summary>
public sealed class CloudRunRecipeTests
{
    private const string Project = "my-project";
    private const string Region = "europe-west1";
    private const string InputBucket = "my-docx";
    private const string OutputBucket = "my-pdfs";

    private static readonly Lazy<Task<string>> Recipe = new(DryRunAsync);

    [Fact]
    public async Task DryRun_IsAShellScriptThatParses()
    {
        var path = Path.Combine(Path.GetTempPath(), $"docx2pdf-recipe-{Guid.NewGuid():N}.sh");
        await File.WriteAllTextAsync(path, await Recipe.Value);
        try
        {
            var check = await ShellScript.RunAsync("bash", ["-n", path], TimeSpan.FromSeconds(30));
            check.ExitCode.Should().Be(0, check.ToString());
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public async Task DryRun_CreatesEverythingInOrder()
    {
        var commands = Commands(await Recipe.Value);

        int IndexOf(string prefix, string? containing = null) =>
            commands.FindIndex(c => c.Text.StartsWith(prefix, StringComparison.Ordinal) && (containing is null || c.Text.Contains(containing, StringComparison.Ordinal)));

        var order = new[]
        {
            IndexOf("gcloud services enable", "run.googleapis.com"),
            IndexOf("gcloud iam service-accounts create", "-runtime"),
            IndexOf("gcloud pubsub topics create", "-uploads"),
            IndexOf("gcloud storage buckets notifications create", $"gs://{InputBucket}"),
            IndexOf("gcloud pubsub topics create", "-dead-letter"),
            IndexOf("gcloud pubsub subscriptions create", "-dead-letter"),
            IndexOf("gcloud run deploy"),
            IndexOf("gcloud iam service-accounts create", "-push"),
            IndexOf("gcloud run services add-iam-policy-binding", "roles/run.invoker"),
            IndexOf("gcloud pubsub subscriptions create", "--push-endpoint"),
        };

        order.Should().NotContain(-1, "every resource of the recipe is created:\n" + string.Join('\n', commands.Select(c => c.Text)));
        order.Should().BeInAscendingOrder();
    }

    [Fact]
    public async Task DryRun_EveryCreateIsGuardedSoARunCanBeRepeated()
    {
        var lines = (await Recipe.Value).Split('\n');

        var unguarded = lines.Where(l => !l.StartsWith('#')
            && Commands(l).Any(c => c.Words.Contains("create"))
            && !Commands(l).Any(c => c.Words.Contains("describe") || c.Words.Contains("list")));

        unguarded.Should().BeEmpty("a create fails when the resource exists; it must follow a describe/list check");
    }

    [Fact]
    public async Task Service_IsPrivateGen2WithBoostAndReadinessProbe()
    {
        var deploy = Single(await Recipe.Value, "gcloud run deploy");

        deploy.Has("--no-allow-unauthenticated").Should().BeTrue();
        deploy.Has("--allow-unauthenticated").Should().BeFalse();
        deploy.Value("--execution-environment").Should().Be("gen2");
        deploy.Has("--cpu-boost").Should().BeTrue();
        deploy.Value("--service-account").Should().StartWith("docx2pdf-runtime@");
        deploy.Value("--startup-probe").Should().Contain("httpGet.path=/healthz/ready");
        deploy.Value("--liveness-probe").Should().Contain("httpGet.path=/healthz/live");
    }

    [Fact]
    public async Task Service_SizeComesFromTheSizeFile()
    {
        var size = SizeFile();
        var deploy = Single(await Recipe.Value, "gcloud run deploy");
        var env = EnvironmentVariables(deploy);

        deploy.Value("--cpu").Should().Be(size["CLOUD_RUN_CPU"]);
        deploy.Value("--memory").Should().Be(size["CLOUD_RUN_MEMORY"]);
        env["Docx2Pdf__LibreOffice__PoolSize"].Should().Be(size["DOCX2PDF_POOL_SIZE"]);

        var pool = int.Parse(size["DOCX2PDF_POOL_SIZE"], CultureInfo.InvariantCulture);
        var cpus = double.Parse(size["CLOUD_RUN_CPU"], CultureInfo.InvariantCulture);
        pool.Should().BeInRange(1, (int)Math.Ceiling(cpus), "a warm instance per vCPU: more instances than cores only queue on the CPU");

        // Half a GiB per warm LibreOffice instance and as much again for the host and /tmp (memory on Cloud Run);
        // measured: about 460 MB for a pool of 2 after a dozen documents.
        MebibytesOf(size["CLOUD_RUN_MEMORY"]).Should().BeGreaterThanOrEqualTo(512 * (pool + 1));
    }

    [Fact]
    public async Task Service_ConcurrencyIsPoolPlusQueue()
    {
        var deploy = Single(await Recipe.Value, "gcloud run deploy");
        var env = EnvironmentVariables(deploy);
        var defaults = new LibreOfficeOptions();

        var pool = env.TryGetValue("Docx2Pdf__LibreOffice__PoolSize", out var p) ? int.Parse(p, CultureInfo.InvariantCulture) : defaults.PoolSize;
        var queue = env.TryGetValue("Docx2Pdf__LibreOffice__QueueLength", out var q) ? int.Parse(q, CultureInfo.InvariantCulture) : defaults.QueueLength;

        int.Parse(deploy.Value("--concurrency"), CultureInfo.InvariantCulture).Should().Be(pool + queue,
            "more requests than the pool and its queue hold are answered 429 by the library; fewer leave the pool idle");
    }

    [Fact]
    public async Task Service_IsConfiguredForPlatformAuthenticationAndTheInputBucket()
    {
        var env = EnvironmentVariables(Single(await Recipe.Value, "gcloud run deploy"));

        env[PushKey("Authentication")].Should().Be("Platform");
        env["Docx2Pdf__InputBuckets__0"].Should().Be(InputBucket);
        env["Docx2Pdf__OutputBucket"].Should().Be(OutputBucket);
        env["Docx2Pdf__Storage__Provider"].Should().Be(nameof(StorageProvider.CloudStorage));
        env["GOOGLE_CLOUD_PROJECT"].Should().Be(Project, "Cloud Logging's trace field needs the project id");
    }

    [Fact]
    public async Task Service_EnvironmentBindsToTheLibrarysOptions()
    {
        // The service's environment as the host reads it: a renamed section or setting leaves a value unbound and fails here.
        var env = EnvironmentVariables(Single(await Recipe.Value, "gcloud run deploy"));
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(env.Select(kv => KeyValuePair.Create(kv.Key.Replace("__", ":", StringComparison.Ordinal), (string?)kv.Value)))
            .Build();
        var services = new ServiceCollection().AddSingleton<IConfiguration>(configuration).AddLogging();
        services.AddDocx2Pdf(configuration.GetSection(Docx2PdfOptions.SectionName)).AddPubSubPush();
        using var provider = services.BuildServiceProvider();

        var push = provider.GetRequiredService<IOptions<PubSubPushOptions>>().Value;
        push.Authentication.Should().Be(PushAuthentication.Platform);
        push.AckDeadline.Should().Be(new PubSubPushOptions().AckDeadline);
        var libreOffice = provider.GetRequiredService<IOptions<LibreOfficeOptions>>().Value;
        (libreOffice.PoolSize + libreOffice.QueueLength).Should().Be(int.Parse(Single(await Recipe.Value, "gcloud run deploy").Value("--concurrency"), CultureInfo.InvariantCulture));
        var core = provider.GetRequiredService<IOptions<Docx2PdfOptions>>().Value;
        core.OutputBucket.Should().Be(OutputBucket);
        core.Storage.Provider.Should().Be(StorageProvider.CloudStorage);
    }

    [Fact]
    public async Task Deadlines_AgreeWithThePushEndpointDefaults()
    {
        var recipe = await Recipe.Value;
        var deploy = Single(recipe, "gcloud run deploy");
        var subscription = Single(recipe, "gcloud pubsub subscriptions create", "--push-endpoint");
        var ackDeadline = new PubSubPushOptions().AckDeadline;

        int.Parse(subscription.Value("--ack-deadline"), CultureInfo.InvariantCulture).Should().Be((int)ackDeadline.TotalSeconds);
        TimeSpan.Parse(EnvironmentVariables(deploy)[PushKey(nameof(PubSubPushOptions.AckDeadline))], CultureInfo.InvariantCulture).Should().Be(ackDeadline);
        Seconds(deploy.Value("--timeout")).Should().BeGreaterThanOrEqualTo(ackDeadline,
            "Cloud Run must not cut a request before the host answers it, just before Pub/Sub's ack deadline");
    }

    [Fact]
    public async Task PushSubscription_IsAuthenticatedWithBackoffAndDeadLetter()
    {
        var recipe = await Recipe.Value;
        var create = Single(recipe, "gcloud pubsub subscriptions create", "--push-endpoint");
        var update = Single(recipe, "gcloud pubsub subscriptions update");

        foreach (var subscription in new[] { create, update })
        {
            subscription.Value("--push-auth-service-account").Should().StartWith("docx2pdf-push@");
            subscription.Value("--push-auth-token-audience").Should().Be("${SERVICE_URL}");
            subscription.Value("--push-endpoint").Should().StartWith("${SERVICE_URL}");
            subscription.Value("--min-retry-delay").Should().Be("10s");
            subscription.Value("--max-retry-delay").Should().Be("600s");
            subscription.Value("--dead-letter-topic").Should().Be("docx2pdf-dead-letter");
            int.Parse(subscription.Value("--max-delivery-attempts"), CultureInfo.InvariantCulture).Should()
                .BeInRange(new Docx2PdfOptions().MaxDeliveryAttempts + 1, 100,
                    "the library records a failure itself at Docx2Pdf:MaxDeliveryAttempts, before Pub/Sub dead-letters the message");
        }

        Single(recipe, "gcloud pubsub subscriptions create", "--topic docx2pdf-dead-letter").Should().NotBeNull();
        Single(recipe, "gcloud run services add-iam-policy-binding").Value("--member").Should().StartWith("serviceAccount:docx2pdf-push@");
    }

    [Fact]
    public async Task Notification_IsObjectFinalizeWithJsonPayload()
    {
        var notification = Single(await Recipe.Value, "gcloud storage buckets notifications create");

        notification.Value("--event-types").Should().Be("OBJECT_FINALIZE");
        notification.Value("--payload-format").Should().Be("json");
        notification.Value("--topic").Should().Be($"projects/{Project}/topics/docx2pdf-uploads");
    }

    [Fact]
    public async Task RuntimeServiceAccount_GetsOnlyBucketRoles()
    {
        var recipe = await Recipe.Value;
        var grants = Commands(recipe).Where(c => c.Text.StartsWith("gcloud storage buckets add-iam-policy-binding", StringComparison.Ordinal)).ToList();

        grants.Select(g => (g.Words[4], g.Value("--role"))).Should().BeEquivalentTo(new[]
        {
            ($"gs://{InputBucket}", "roles/storage.objectViewer"),
            ($"gs://{OutputBucket}", "roles/storage.objectUser"),
        });
        recipe.Should().NotContain("projects add-iam-policy-binding", "no role is granted on the whole project");
    }

    [Fact]
    public async Task Shellcheck_PassesOnEveryScriptInEng()
    {
        var scripts = Directory.GetFiles(RepositoryRoot.Combine("eng"), "*.sh").Order(StringComparer.Ordinal).ToList();
        scripts.Should().Contain(s => s.EndsWith("deploy-cloud-run.sh", StringComparison.Ordinal));

        ShellScript.Result result;
        try
        {
            result = await ShellScript.RunAsync("shellcheck", ["-x", .. scripts], TimeSpan.FromMinutes(2));
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException("shellcheck is not installed: run `bash eng/test-tools.sh` (eng/test.sh does).", e);
        }

        result.ExitCode.Should().Be(0, result.ToString());
    }

    private static async Task<string> DryRunAsync()
    {
        var result = await ShellScript.RunAsync("bash",
            ["eng/deploy-cloud-run.sh", "--dry-run", "--project", Project, "--region", Region, "--input-bucket", InputBucket, "--output-bucket", OutputBucket],
            TimeSpan.FromMinutes(1),
            // The script reads these from the environment too: the arguments must win over whatever the caller has set.
            new Dictionary<string, string?> { ["IMAGE"] = null, ["SERVICE"] = null, ["MAX_INSTANCES"] = null });
        result.ExitCode.Should().Be(0, result.ToString());
        return result.StandardOutput;
    }

    /// <summary>The environment variable of a push endpoint setting, under the section the options type binds today.</summary>
    private static string PushKey(string setting) => $"{PubSubPushOptions.SectionName.Replace(":", "__", StringComparison.Ordinal)}__{setting}";

    private static Dictionary<string, string> SizeFile() =>
        File.ReadAllLines(RepositoryRoot.Combine("eng/cloud-run-size.env"))
            .Select(l => l.Trim())
            .Where(l => l.Length > 0 && !l.StartsWith('#'))
            .Select(l => l.Split('=', 2))
            .ToDictionary(kv => kv[0], kv => kv[1]);

    private static Dictionary<string, string> EnvironmentVariables(Command deploy) =>
        deploy.Value("--set-env-vars").Split(',').Select(kv => kv.Split('=', 2)).ToDictionary(kv => kv[0], kv => kv[1]);

    private static int MebibytesOf(string quantity) => quantity switch
    {
        _ when quantity.EndsWith("Gi", StringComparison.Ordinal) => int.Parse(quantity[..^2], CultureInfo.InvariantCulture) * 1024,
        _ when quantity.EndsWith("Mi", StringComparison.Ordinal) => int.Parse(quantity[..^2], CultureInfo.InvariantCulture),
        _ => throw new FormatException($"Unexpected memory quantity {quantity}"),
    };

    private static TimeSpan Seconds(string value) =>
        TimeSpan.FromSeconds(int.Parse(value.TrimEnd('s'), CultureInfo.InvariantCulture));

    private static Command Single(string recipe, string prefix, string? containing = null)
    {
        var matches = Commands(recipe)
            .Where(c => c.Text.StartsWith(prefix, StringComparison.Ordinal) && (containing is null || c.Text.Contains(containing, StringComparison.Ordinal)))
            .ToList();
        matches.Should().ContainSingle($"the recipe has one '{prefix}' command{(containing is null ? "" : $" with '{containing}'")}:\n{recipe}");
        return matches[0];
    }

    /// <summary>The simple commands of a recipe: words split as bash splits them, at ;, |, ||, $( and ), with if/then/else/fi dropped.</summary>
    private static List<Command> Commands(string recipe)
    {
        var commands = new List<Command>();
        foreach (var line in recipe.Split('\n'))
        {
            if (line.TrimStart().StartsWith('#'))
            {
                continue;
            }

            var words = new List<string>();
            var word = new StringBuilder();
            var inWord = false;

            void EndWord()
            {
                if (inWord)
                {
                    words.Add(word.ToString());
                    word.Clear();
                    inWord = false;
                }
            }

            void EndCommand()
            {
                EndWord();
                while (words.Count > 0 && words[0] is "if" or "then" or "else" or "fi")
                {
                    words.RemoveAt(0);
                }

                if (words.Count > 0)
                {
                    commands.Add(new Command(words.ToList()));
                }

                words.Clear();
            }

            for (var i = 0; i < line.Length; i++)
            {
                var c = line[i];
                if (c == '\\' && i + 1 < line.Length)
                {
                    word.Append(line[++i]);
                    inWord = true;
                }
                else if (c is ';' or '|' or '(' or ')')
                {
                    if (c == '(' && word.Length > 0 && word[^1] == '$')
                    {
                        word.Length--;
                    }

                    EndCommand();
                }
                else if (char.IsWhiteSpace(c))
                {
                    EndWord();
                }
                else
                {
                    word.Append(c);
                    inWord = true;
                }
            }

            EndCommand();
        }

        return commands;
    }

    private sealed record Command(IReadOnlyList<string> Words)
    {
        public string Text { get; } = string.Join(' ', Words);

        public bool Has(string flag) => Words.Contains(flag);

        public string Value(string flag)
        {
            var index = Words.ToList().IndexOf(flag);
            index.Should().BeGreaterThanOrEqualTo(0, $"'{Text}' has {flag}");
            index.Should().BeLessThan(Words.Count - 1, $"{flag} has a value in '{Text}'");
            return Words[index + 1];
        }
    }
}
