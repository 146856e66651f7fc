// Plays Cloud Storage and Pub/Sub for the sample service running on this machine: puts each document into the
// local-folder store (the service's embedded default) and delivers the Cloud Storage notification to the service's
// push endpoint exactly as a Pub/Sub push subscription would, then waits for the PDF (or the failure record) and
// copies it out. Exits non-zero when a document ended as neither. Usage:
//   Docx2Pdf.LocalDemo <endpoint-url> <store-root> <input-bucket> <output-bucket> <out-folder> <file.docx>...
using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Docx2Pdf;
using Docx2Pdf.Storage;

if (args.Length < 6)
{
    Console.Error.WriteLine("usage: Docx2Pdf.LocalDemo <endpoint-url> <store-root> <input-bucket> <output-bucket> <out-folder> <file.docx>...");
    return 2;
}

var endpoint = new Uri(args[0]);
var store = new FileSystemObjectStore(new FileSystemObjectStoreOptions { RootPath = args[1] });
string inputBucket = args[2], outputBucket = args[3], outFolder = args[4];
Directory.CreateDirectory(outFolder);
using var http = new HttpClient { Timeout = TimeSpan.FromMinutes(11) };
var unfinished = 0;

foreach (var file in args.Skip(5))
{
    var objectName = "incoming/" + Path.GetFileName(file);
    ObjectInfo uploaded;
    await using (var content = File.OpenRead(file))
    {
        uploaded = await store.UploadAsync(inputBucket, objectName, content, new ObjectWriteOptions
        {
            ContentType = "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        });
    }

    var stopwatch = Stopwatch.StartNew();
    using var body = new StringContent(PushBody(uploaded), Encoding.UTF8);
    body.Headers.ContentType = new MediaTypeHeaderValue("application/json");
    using var response = await http.PostAsync(endpoint, body);
    Console.WriteLine($"{objectName}: push answered {(int)response.StatusCode} in {stopwatch.ElapsedMilliseconds} ms");

    var pdfName = Path.ChangeExtension(objectName, ".pdf");
    var pdf = await store.GetInfoAsync(outputBucket, pdfName);
    if (pdf is not null)
    {
        var target = Path.Combine(outFolder, Path.GetFileName(pdfName));
        await using var output = File.Create(target);
        await store.DownloadAsync(outputBucket, pdfName, pdf.Generation, output);
        Console.WriteLine($"  -> {target} ({pdf.Size:N0} bytes; source generation {pdf.Metadata.GetValueOrDefault("docx2pdf-source-generation")})");
        continue;
    }

    var record = await store.GetInfoAsync(outputBucket, "docx2pdf-failures/" + objectName + ".json");
    if (record is not null)
    {
        using var recordText = new MemoryStream();
        await store.DownloadAsync(outputBucket, record.Name, record.Generation, recordText);
        Console.WriteLine($"  -> no PDF; failure record: {Encoding.UTF8.GetString(recordText.ToArray())}");
    }
    else
    {
        unfinished++;
        Console.WriteLine($"  -> no PDF and no failure record yet (the service asked for a retry: {(int)response.StatusCode})");
    }
}

// Every document must end as a PDF or as a recorded, explained failure; anything else is an error of the demo run.
return unfinished == 0 ? 0 : 1;

// The wrapped push body of a Cloud Storage OBJECT_FINALIZE notification with payloadFormat JSON_API_V1.
static string PushBody(ObjectInfo o)
{
    var generation = o.Generation.ToString(CultureInfo.InvariantCulture);
    var resource = new JsonObject
    {
        ["kind"] = "storage#object",
        ["name"] = o.Name,
        ["bucket"] = o.Bucket,
        ["generation"] = generation,
        ["metageneration"] = "1",
        ["contentType"] = o.ContentType,
        ["size"] = o.Size.ToString(CultureInfo.InvariantCulture),
    };
    var message = new JsonObject
    {
        ["attributes"] = new JsonObject
        {
            ["eventType"] = "OBJECT_FINALIZE",
            ["payloadFormat"] = "JSON_API_V1",
            ["bucketId"] = o.Bucket,
            ["objectId"] = o.Name,
            ["objectGeneration"] = generation,
        },
        ["data"] = Convert.ToBase64String(Encoding.UTF8.GetBytes(resource.ToJsonString())),
        ["messageId"] = Guid.NewGuid().ToString("N"),
        ["publishTime"] = DateTimeOffset.UtcNow.ToString("O", CultureInfo.InvariantCulture),
    };
    return new JsonObject { ["message"] = message, ["subscription"] = "projects/local/subscriptions/demo" }.ToJsonString();
}
