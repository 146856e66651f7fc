using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace Docx2Pdf.Core.Tests.Conversion;

/// <summary>
/// Builds compound files (MS-CFB version 3, 512-byte sectors) and agile-encrypted OOXML packages (MS-OFFCRYPTO 2.3.4.10)
/// in the test, so the encrypted-package reader can be fed well-formed files and precisely broken ones.
/// </summary>
internal static class CompoundFiles
{
    public const int SectorSize = 512;
    private const uint EndOfChain = 0xFFFFFFFE;
    private const uint FreeSector = 0xFFFFFFFF;
    private const uint FatSector = 0xFFFFFFFD;

    private static readonly byte[] VerifierInputBlock = [0xfe, 0xa7, 0xd2, 0x76, 0x3b, 0x4b, 0x9e, 0x79];
    private static readonly byte[] VerifierValueBlock = [0xd7, 0xaa, 0x0f, 0x6d, 0x30, 0x61, 0x34, 0x4e];
    private static readonly byte[] KeyValueBlock = [0x14, 0x6e, 0x0b, 0xe7, 0xab, 0xac, 0xd0, 0xd6];

    /// <summary>Where things are in a built file, for tests that break one of them.</summary>
    /// <param name="DirectorySector">The first (only) directory sector.</param>
    /// <param name="StreamStarts">Each stream's first sector (regular sectors) or mini sector.</param>
    public sealed record Layout(uint DirectorySector, IReadOnlyDictionary<string, uint> StreamStarts)
    {
        /// <summary>The file offset of sector <paramref name="sector"/>'s FAT entry (all FAT sectors come first).</summary>
        public static int FatEntryOffset(uint sector) => SectorSize + ((int)sector * 4);

        /// <summary>The file offset of sector <paramref name="sector"/>.</summary>
        public static int SectorOffset(uint sector) => (int)(sector + 1) * SectorSize;
    }

    /// <summary>
    /// An agile-encrypted package: AES-256, SHA-512, <paramref name="spinCount"/> rounds. <paramref name="editXml"/> can
    /// change the descriptor after it is computed (the keys stay those of the unedited one).
    /// </summary>
    public static byte[] Agile(byte[] package, string password, int spinCount = 1000, Func<string, string>? editXml = null, Func<byte[], byte[]>? editPackageStream = null) =>
        Build([("EncryptionInfo", EncryptionInfo(package, password, spinCount, editXml, out var encrypted)), ("EncryptedPackage", editPackageStream?.Invoke(encrypted) ?? encrypted)], out _);

    public static byte[] Agile(byte[] package, string password, out Layout layout, int spinCount = 1000) =>
        Build([("EncryptionInfo", EncryptionInfo(package, password, spinCount, null, out var encrypted)), ("EncryptedPackage", encrypted)], out layout);

    /// <summary>A compound file holding <paramref name="streams"/> under the root (streams under 4096 bytes in the mini stream).</summary>
    public static byte[] Build(IReadOnlyList<(string Name, byte[] Data)> streams, out Layout layout)
    {
        var small = streams.Where(s => s.Data.Length < 4096).ToList();
        var large = streams.Where(s => s.Data.Length >= 4096).ToList();

        // Mini stream: each small stream padded to 64-byte mini sectors, chained in order.
        var miniStream = new MemoryStream();
        var miniFat = new List<uint>();
        var starts = new Dictionary<string, uint>(StringComparer.Ordinal);
        foreach (var (name, data) in small)
        {
            var count = Math.Max(1, (data.Length + 63) / 64);
            starts[name] = (uint)miniFat.Count;
            for (var i = 0; i < count; i++)
            {
                miniFat.Add(i == count - 1 ? EndOfChain : (uint)(miniFat.Count + 1));
            }

            miniStream.Write(data);
            miniStream.Write(new byte[(count * 64) - data.Length]);
        }

        int Sectors(long bytes) => (int)((bytes + SectorSize - 1) / SectorSize);
        var directorySectors = Sectors((streams.Count + 1) * 128L);
        var miniFatSectors = Sectors(miniFat.Count * 4L);
        var miniStreamSectors = Sectors(miniStream.Length);
        var dataSectors = directorySectors + miniFatSectors + miniStreamSectors + large.Sum(s => Sectors(s.Data.Length));
        var fatSectors = 1;
        while (fatSectors * (SectorSize / 4) < fatSectors + dataSectors)
        {
            fatSectors++;
        }

        var total = fatSectors + dataSectors;
        var fat = Enumerable.Repeat(FreeSector, fatSectors * (SectorSize / 4)).ToArray();
        var next = (uint)fatSectors;
        for (var i = 0; i < fatSectors; i++)
        {
            fat[i] = FatSector;
        }

        uint Allocate(int count)
        {
            if (count == 0)
            {
                return EndOfChain;
            }

            var first = next;
            for (var i = 0; i < count; i++, next++)
            {
                fat[next] = i == count - 1 ? EndOfChain : next + 1;
            }

            return first;
        }

        var directoryStart = Allocate(directorySectors);
        var miniFatStart = Allocate(miniFatSectors);
        var miniStreamStart = Allocate(miniStreamSectors);
        foreach (var (name, data) in large)
        {
            starts[name] = Allocate(Sectors(data.Length));
        }

        var file = new byte[(total + 1) * SectorSize];
        var header = file.AsSpan(0, SectorSize);
        new byte[] { 0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1 }.CopyTo(header);
        BinaryPrimitives.WriteUInt16LittleEndian(header[0x18..], 0x3E);
        BinaryPrimitives.WriteUInt16LittleEndian(header[0x1A..], 3);
        BinaryPrimitives.WriteUInt16LittleEndian(header[0x1C..], 0xFFFE);
        BinaryPrimitives.WriteUInt16LittleEndian(header[0x1E..], 9);
        BinaryPrimitives.WriteUInt16LittleEndian(header[0x20..], 6);
        BinaryPrimitives.WriteUInt32LittleEndian(header[0x2C..], (uint)fatSectors);
        BinaryPrimitives.WriteUInt32LittleEndian(header[0x30..], directoryStart);
        BinaryPrimitives.WriteUInt32LittleEndian(header[0x38..], 4096);
        BinaryPrimitives.WriteUInt32LittleEndian(header[0x3C..], miniFatStart);
        BinaryPrimitives.WriteUInt32LittleEndian(header[0x40..], (uint)miniFatSectors);
        BinaryPrimitives.WriteUInt32LittleEndian(header[0x44..], EndOfChain);
        for (var i = 0; i < 109; i++)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(header[(0x4C + (i * 4))..], i < fatSectors ? (uint)i : FreeSector);
        }

        for (var i = 0; i < fat.Length; i++)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(file.AsSpan(SectorSize + (i * 4)), fat[i]);
        }

        // Directory: the root, then each stream as the right sibling of the one before (a degenerate but valid tree).
        var directory = file.AsSpan(Layout.SectorOffset(directoryStart), directorySectors * SectorSize);
        WriteEntry(directory, 0, "Root Entry", 5, miniStream.Length == 0 ? EndOfChain : miniStreamStart, miniStream.Length, child: streams.Count > 0 ? 1u : FreeSector, right: FreeSector);
        for (var i = 0; i < streams.Count; i++)
        {
            var (name, data) = streams[i];
            WriteEntry(directory, i + 1, name, 2, starts[name], data.Length, child: FreeSector, right: i + 1 < streams.Count ? (uint)(i + 2) : FreeSector);
        }

        for (var i = (streams.Count + 1) * 128; i < directory.Length; i += 128)
        {
            // Unused entries: no siblings, no child.
            BinaryPrimitives.WriteUInt32LittleEndian(directory[(i + 68)..], FreeSector);
            BinaryPrimitives.WriteUInt32LittleEndian(directory[(i + 72)..], FreeSector);
            BinaryPrimitives.WriteUInt32LittleEndian(directory[(i + 76)..], FreeSector);
        }

        for (var i = 0; i < miniFat.Count; i++)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(file.AsSpan(Layout.SectorOffset(miniFatStart) + (i * 4)), miniFat[i]);
        }

        for (var i = miniFat.Count; i < miniFatSectors * (SectorSize / 4); i++)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(file.AsSpan(Layout.SectorOffset(miniFatStart) + (i * 4)), FreeSector);
        }

        if (miniStream.Length > 0)
        {
            miniStream.ToArray().CopyTo(file, Layout.SectorOffset(miniStreamStart));
        }

        foreach (var (name, data) in large)
        {
            data.CopyTo(file, Layout.SectorOffset(starts[name]));
        }

        layout = new Layout(directoryStart, starts);
        return file;
    }

    private static void WriteEntry(Span<byte> directory, int index, string name, byte type, uint start, long size, uint child, uint right)
    {
        var entry = directory.Slice(index * 128, 128);
        var nameBytes = Encoding.Unicode.GetBytes(name + "\0");
        nameBytes.CopyTo(entry);
        BinaryPrimitives.WriteUInt16LittleEndian(entry[64..], (ushort)nameBytes.Length);
        entry[66] = type;
        entry[67] = 1; // black
        BinaryPrimitives.WriteUInt32LittleEndian(entry[68..], FreeSector);
        BinaryPrimitives.WriteUInt32LittleEndian(entry[72..], right);
        BinaryPrimitives.WriteUInt32LittleEndian(entry[76..], child);
        BinaryPrimitives.WriteUInt32LittleEndian(entry[116..], start);
        BinaryPrimitives.WriteUInt64LittleEndian(entry[120..], (ulong)size);
    }

    private static byte[] EncryptionInfo(byte[] package, string password, int spinCount, Func<string, string>? editXml, out byte[] encryptedPackage)
    {
        var keySalt = RandomNumberGenerator.GetBytes(16);
        var dataSalt = RandomNumberGenerator.GetBytes(16);
        var secret = RandomNumberGenerator.GetBytes(32);

        var h = SHA512.HashData([.. keySalt, .. Encoding.Unicode.GetBytes(password)]);
        var buffer = new byte[4 + h.Length];
        for (var i = 0; i < spinCount; i++)
        {
            BinaryPrimitives.WriteInt32LittleEndian(buffer, i);
            h.CopyTo(buffer, 4);
            h = SHA512.HashData(buffer);
        }

        byte[] EncryptKeyField(byte[] block, byte[] value) => AesCbc(SHA512.HashData([.. h, .. block])[..32], keySalt, Pad(value));

        var verifierInput = RandomNumberGenerator.GetBytes(16);
        var descriptor = $"""
            <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
            <encryption xmlns="http://schemas.microsoft.com/office/2006/encryption" xmlns:p="http://schemas.microsoft.com/office/2006/keyEncryptor/password"><keyData saltSize="16" blockSize="16" keyBits="256" hashSize="64" cipherAlgorithm="AES" cipherChaining="ChainingModeCBC" hashAlgorithm="SHA512" saltValue="{Convert.ToBase64String(dataSalt)}"/><dataIntegrity encryptedHmacKey="" encryptedHmacValue=""/><keyEncryptors><keyEncryptor uri="http://schemas.microsoft.com/office/2006/keyEncryptor/password"><p:encryptedKey spinCount="{spinCount}" saltSize="16" blockSize="16" keyBits="256" hashSize="64" cipherAlgorithm="AES" cipherChaining="ChainingModeCBC" hashAlgorithm="SHA512" saltValue="{Convert.ToBase64String(keySalt)}" encryptedVerifierHashInput="{Convert.ToBase64String(EncryptKeyField(VerifierInputBlock, verifierInput))}" encryptedVerifierHashValue="{Convert.ToBase64String(EncryptKeyField(VerifierValueBlock, SHA512.HashData(verifierInput)))}" encryptedKeyValue="{Convert.ToBase64String(EncryptKeyField(KeyValueBlock, secret))}"/></keyEncryptor></keyEncryptors></encryption>
            """;
        descriptor = editXml?.Invoke(descriptor) ?? descriptor;

        var stream = new MemoryStream();
        stream.Write(BitConverter.GetBytes((ulong)package.Length));
        for (int offset = 0, index = 0; offset < package.Length; offset += 4096, index++)
        {
            var iv = SHA512.HashData([.. dataSalt, .. BitConverter.GetBytes(index)])[..16];
            stream.Write(AesCbc(secret, iv, Pad(package[offset..Math.Min(package.Length, offset + 4096)])));
        }

        encryptedPackage = stream.ToArray();
        return [4, 0, 4, 0, 0x40, 0, 0, 0, .. Encoding.UTF8.GetBytes(descriptor)];
    }

    private static byte[] Pad(byte[] value) => [.. value, .. new byte[(16 - (value.Length % 16)) % 16]];

    private static byte[] AesCbc(byte[] key, byte[] iv, byte[] data)
    {
        using var aes = Aes.Create();
        aes.Key = key;
        return aes.EncryptCbc(data, iv, PaddingMode.None);
    }
}
