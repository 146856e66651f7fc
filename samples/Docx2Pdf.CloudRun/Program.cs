// The Cloud Run service as it is deployed: a private service behind a Pub/Sub push subscription (or Eventarc),
// converting every .docx finalized in the watched bucket. Configuration comes from the "Docx2Pdf" section,
// environment variables (Docx2Pdf__OutputBucket, or the original sample's OUTPUT_BUCKET) and appsettings.json.
// With no cloud configured, the buckets are local folders under Docx2Pdf:Storage:LocalRoot.
using Docx2Pdf;
using Docx2Pdf.Conversion;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;

// Run once while the image is built (eng/image-steps.sh profile): prepares the LibreOffice profile every instance copies
// into FOLDER and exits, so no cold start pays for it; the image points Docx2Pdf:LibreOffice:ProfileTemplateFolder there.
if (args is ["--prepare-profile", var profileFolder])
{
    await LibreOfficeConverter.PrepareProfileTemplateAsync(new LibreOfficeOptions { ProfileTemplateFolder = profileFolder });
    Console.WriteLine($"Prepared the LibreOffice profile in {profileFolder}");
    return;
}

var builder = WebApplication.CreateBuilder(args);

// Cloud Run says which port to listen on.
if (Environment.GetEnvironmentVariable("PORT") is { Length: > 0 } port)
{
    builder.WebHost.UseUrls($"http://0.0.0.0:{port}");
}

// Cloud Run sends SIGKILL 10 s after SIGTERM: in-flight work finishes or is handed back (503) within 9 s.
// An explicit shutdownTimeoutSeconds (host configuration) wins.
if (builder.Configuration["shutdownTimeoutSeconds"] is null)
{
    builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(9));
}

// One JSON object per line in Cloud Logging's shape on Cloud Run (K_SERVICE), or with Logging:Console:FormatterName=cloud-logging.
builder.Logging.AddCloudLoggingConsole();

// Every Docx2Pdf setting lives under this one section (Docx2Pdf:PubSub:Push, Docx2Pdf:PubSub:Pull, Docx2Pdf:Convert, ...).
// AddPubSubPush()/AddConvertEndpoint() validate their settings at start and give the host one shutdown coordinator.
var docx2Pdf = builder.Services.AddDocx2Pdf(builder.Configuration.GetSection(Docx2PdfOptions.SectionName))
    .AddPubSubPush()
    .AddConvertEndpoint();
builder.Services.AddHealthChecks().AddDocx2Pdf();

// Pull mode is opt-in: set Docx2Pdf:PubSub:Pull:Subscription to run the pull subscriber in this host as well.
if (builder.Configuration["Docx2Pdf:PubSub:Pull:Subscription"] is { Length: > 0 })
{
    docx2Pdf.AddPubSubPullConversion();
}

var app = builder.Build();

// Push authentication is an explicit choice (Docx2Pdf:PubSub:Push:Authentication): on Cloud Run deployed with
// --no-allow-unauthenticated, Platform; outside Development the host does not start without one.
app.MapPubSubConversion("/");

// The synchronous endpoint is opt-in (Sample:ConvertEndpoint=true): a service made reachable for push would otherwise
// also expose LibreOffice to anyone who can reach it. With an authentication scheme of your own, add .RequireAuthorization().
if (builder.Configuration.GetValue<bool>("Sample:ConvertEndpoint"))
{
    app.MapDocx2PdfConversion("/convert");
}

// Liveness never depends on load or storage, so Cloud Run does not restart a busy instance; readiness waits for a warm pool.
app.MapHealthChecks("/healthz/live", new HealthCheckOptions { Predicate = c => c.Tags.Contains("live") });
app.MapHealthChecks("/healthz/ready", new HealthCheckOptions { Predicate = c => c.Tags.Contains("ready") });

app.Run();
