using System.Net;
using System.Net.Sockets;
using Docx2Pdf.Conversion;
using Docx2Pdf.Testing;

namespace Docx2Pdf.Core.Tests.Conversion;

[Collection(LibreOfficeCollection.Name)]
[Trait("Layer", "Integration")]
public sealed class LibreOfficeConverterTests(LibreOfficeFixture fixture)
{
    private readonly LibreOfficeConverter _converter = fixture.Converter;

    [Fact]
    public async Task ConvertAsync_SimpleDocx_WritesPdfWithItsText()
    {
        using var input = new MemoryStream(TestDocuments.Simple("Hello from Docx2Pdf"));
        using var output = new MemoryStream();

        var result = await _converter.ConvertAsync(input, output);

        var pdf = output.ToArray();
        pdf.AsSpan(0, 5).SequenceEqual("%PDF-"u8).Should().BeTrue();
        result.OutputBytes.Should().Be(pdf.Length);
        result.EngineDuration.Should().BePositive();
        result.TotalDuration.Should().BeGreaterThanOrEqualTo(result.EngineDuration);
        Pdf.Text(pdf).Should().Contain("Hello from Docx2Pdf");
    }

    [Fact]
    public async Task ConvertAsync_FilePaths_WritesOutputFile()
    {
        var folder = TestFolders.Create("paths");
        try
        {
            var output = Path.Combine(folder, "out.pdf");
            await _converter.ConvertAsync(Corpus.Get("python-docx/default.docx").FullPath, output);
            Pdf.CountPages(await File.ReadAllBytesAsync(output)).Should().BeGreaterThanOrEqualTo(1);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public async Task ConvertAsync_PageRange_ExportsOnlyThosePages()
    {
        using var all = new MemoryStream();
        using var some = new MemoryStream();
        await _converter.ConvertAsync(new MemoryStream(TestDocuments.Huge(400)), all);
        await _converter.ConvertAsync(new MemoryStream(TestDocuments.Huge(400)), some, new PdfConversionOptions { PageRange = "2-3" });

        Pdf.CountPages(all.ToArray()).Should().BeGreaterThan(3);
        Pdf.CountPages(some.ToArray()).Should().Be(2);
    }

    [Fact]
    public async Task ConvertAsync_PdfA2b_WritesPdfAIdentification()
    {
        using var output = new MemoryStream();
        await _converter.ConvertAsync(new MemoryStream(TestDocuments.Simple("Archive me")), output, new PdfConversionOptions { PdfA = PdfAConformance.PdfA2b });

        System.Text.Encoding.Latin1.GetString(output.ToArray()).Should().Contain("pdfaid:part");
    }

    [Fact]
    public async Task ConvertAsync_NotAWordDocument_FailsAsInvalidDocumentBeforeLibreOffice()
    {
        // LibreOffice's type detection would happily turn text named .docx into a PDF; the forced format does not.
        var act = () => _converter.ConvertAsync(new MemoryStream("just some text, not a package"u8.ToArray()), Stream.Null);

        (await act.Should().ThrowAsync<DocumentRejectedException>()).Which.Kind.Should().Be(FailureKind.InvalidDocument);
    }

    [Fact]
    public async Task ConvertAsync_DocumentWithExternalEntity_RejectedAsInvalid()
    {
        // poi/ExternalEntityInText.docx declares <!ENTITY testent SYSTEM "http://poi.apache.org/">: LibreOffice's
        // OOXML reader refuses the DTD, so the entity is never resolved and the document ends in a typed failure.
        await using var input = File.OpenRead(Corpus.Get("poi/ExternalEntityInText.docx").FullPath);
        var act = () => _converter.ConvertAsync(input, Stream.Null);

        (await act.Should().ThrowAsync<DocumentRejectedException>()).Which.Kind.Should().Be(FailureKind.InvalidDocument);
    }

    // bug53475-password-is-pass (agile AES-256/SHA-1) does not open in LibreOffice 7.4: it is decrypted in .NET.
    // protected_agile.docx is encrypted with Office's default password, which LibreOffice also tries by itself.
    [Theory]
    [InlineData("poi/bug53475-password-is-pass.docx", "pass")]
    [InlineData("poi/bug53475-password-is-solrcell.docx", "solrcell")]
    [InlineData("poi/protected_agile.docx", "VelvetSweatshop")]
    public async Task ConvertAsync_EncryptedWithRightPassword_Converts(string localFile, string password)
    {
        await using var input = File.OpenRead(Corpus.Get(localFile).FullPath);
        using var output = new MemoryStream();

        await _converter.ConvertAsync(input, output, new PdfConversionOptions { Password = password });

        Pdf.CountPages(output.ToArray()).Should().BeGreaterThanOrEqualTo(1);
    }

    [Theory]
    [InlineData("poi/bug53475-password-is-pass.docx")]
    [InlineData("poi/bug53475-password-is-solrcell.docx")]
    [InlineData("poi/protected_agile.docx")]
    [InlineData("Open-XML-SDK/document_with_password.docx")]
    public async Task ConvertAsync_EncryptedWithoutPassword_FailsFastWithoutStartingLibreOffice(string localFile)
    {
        // A converter that never started: the pre-check alone must answer.
        await using var cold = new LibreOfficeConverter(new LibreOfficeOptions { PoolSize = 1, WorkFolder = fixture.WorkFolder });
        await using var input = File.OpenRead(Corpus.Get(localFile).FullPath);

        var act = () => cold.ConvertAsync(input, Stream.Null);

        (await act.Should().ThrowAsync<DocumentRejectedException>()).Which.Kind.Should().Be(FailureKind.PasswordProtected);
        cold.ReadyInstances.Should().Be(0);
    }

    [Theory]
    [InlineData("poi/bug53475-password-is-pass.docx")]
    [InlineData("poi/bug53475-password-is-solrcell.docx")]
    public async Task ConvertAsync_EncryptedWithWrongPassword_FailsAsPasswordProtected(string localFile)
    {
        await using var input = File.OpenRead(Corpus.Get(localFile).FullPath);

        var act = () => _converter.ConvertAsync(input, Stream.Null, new PdfConversionOptions { Password = "not-the-password" });

        (await act.Should().ThrowAsync<DocumentRejectedException>()).Which.Kind.Should().Be(FailureKind.PasswordProtected);
    }

    [Fact]
    public async Task ConvertAsync_ThreeTimesPoolSizeAtOnce_AllSucceedWithinPoolConcurrency()
    {
        var documents = Corpus.Convertible.Where(d => d.Kind is "simple" or "tables" or "images" or "lists").Take(3 * _converter.PoolSize).ToList();
        documents.Should().HaveCount(3 * _converter.PoolSize);

        var results = await Task.WhenAll(documents.Select(async d =>
        {
            using var output = new MemoryStream();
            await using var input = File.OpenRead(d.FullPath);
            await _converter.ConvertAsync(input, output);
            return Pdf.CountPages(output.ToArray());
        }));

        results.Should().OnlyContain(pages => pages >= 1);
        _converter.PeakConcurrency.Should().BeInRange(1, _converter.PoolSize);
    }

    [Fact]
    public async Task ConvertAsync_ExternalContentOnLocalListener_ConvertsWithoutFetchingIt()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var requests = 0;
        using var stop = new CancellationTokenSource();
        var accepting = Task.Run(async () =>
        {
            try
            {
                while (true)
                {
                    using var client = await listener.AcceptTcpClientAsync(stop.Token);
                    Interlocked.Increment(ref requests);
                }
            }
            catch (OperationCanceledException)
            {
            }
        });

        using var output = new MemoryStream();
        await _converter.ConvertAsync(new MemoryStream(TestDocuments.ExternalImage(new Uri($"http://127.0.0.1:{port}/tracker.png"))), output);
        using var allKinds = new MemoryStream();
        await _converter.ConvertAsync(new MemoryStream(TestDocuments.ExternalContent(new Uri($"http://127.0.0.1:{port}/"))), allKinds);
        await using (var corpusDoc = File.OpenRead(Corpus.Get("mammoth.js/external-picture.docx").FullPath))
        {
            await _converter.ConvertAsync(corpusDoc, Stream.Null);
        }

        await stop.CancelAsync();
        await accepting;
        Pdf.Text(output.ToArray()).Should().Contain("After it.");
        Pdf.Text(allKinds.ToArray()).Should().Contain("After it.");
        requests.Should().Be(0, "with BlockUntrustedRefererLinks LibreOffice fetches nothing a document links to (on an open profile it fetches linked.png)");
    }

    [Fact]
    public async Task ConvertAsync_AfterFontEmbeddingDocument_SameFontsAndPagesAsFirst()
    {
        // Pool of one: without recycling, the second conversion would run in the process that loaded the font.
        await using var converter = new LibreOfficeConverter(new LibreOfficeOptions { PoolSize = 1, WorkFolder = fixture.WorkFolder });
        var probe = File.ReadAllBytes(Corpus.Get("python-docx/default.docx").FullPath);
        var fontDoc = TestDocuments.EmbeddedFont("/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf", "Calibri");
        var probeWithFont = TestDocuments.Simple("The quick brown fox in Calibri.", "Calibri");

        var first = await ConvertAsync(converter, probeWithFont);
        var firstHelper = converter.InstanceProcesses.Single().HelperPid;
        var withEmbedded = await ConvertAsync(converter, fontDoc);
        var second = await ConvertAsync(converter, probeWithFont);
        var afterRecycle = converter.InstanceProcesses.Single().HelperPid;

        Pdf.Fonts(withEmbedded).Should().NotBeEmpty();
        Pdf.Fonts(second).Should().Equal(Pdf.Fonts(first));
        Pdf.CountPages(second).Should().Be(Pdf.CountPages(first));
        afterRecycle.Should().NotBe(firstHelper, "the instance that loaded embedded fonts is replaced");
        Pdf.CountPages(await ConvertAsync(converter, probe)).Should().Be(1);
    }

    private static async Task<byte[]> ConvertAsync(LibreOfficeConverter converter, byte[] docx)
    {
        using var output = new MemoryStream();
        await converter.ConvertAsync(new MemoryStream(docx), output);
        return output.ToArray();
    }
}
