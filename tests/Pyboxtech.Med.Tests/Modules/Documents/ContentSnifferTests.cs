using System.IO.Compression;
using System.Text;
using Pyboxtech.Med.Web.Modules.Documents;

namespace Pyboxtech.Med.Tests.Modules.Documents;

/// <summary>The type of a file is read from its first bytes: what is kept, what is refused.</summary>
public sealed class ContentSnifferTests
{
    [Theory]
    [InlineData("%PDF-1.4\n...", "application/pdf")]
    [InlineData("%PDF-1.7\n<html><script>alert(1)</script></html>", "application/pdf")] // polyglot, PDF first: a PDF, only ever served as one
    [InlineData("II*\0rest", "image/tiff")]
    [InlineData("MM\0*rest", "image/tiff")]
    [InlineData("Plain words, señora, 120/80 ✓\r\n", "text/plain; charset=utf-8")]
    public void Sniff_KeptTypes_AreNamed(string head, string expected) =>
        Assert.Equal(expected, ContentSniffer.Sniff(Encoding.UTF8.GetBytes(head))?.MediaType);

    [Theory]
    [InlineData("MZ\u0090\0\u0003")] // Windows executable
    [InlineData("\u007fELF\u0002\u0001")] // Linux executable
    [InlineData("#!/bin/sh\nrm -rf /\n")]
    [InlineData("<!DOCTYPE html><html><body>x</body></html>")]
    [InlineData("<html><script>alert(1)</script></html>\n%PDF-1.7")] // polyglot, HTML first
    [InlineData("  <svg onload=alert(1)>")]
    [InlineData("hello\0world")]
    [InlineData("GIF89a\u0001\0\u0001\0\u0080\0\0")] // a GIF: an image type not kept
    public void Sniff_OtherContent_IsRefused(string head) =>
        Assert.Null(ContentSniffer.Sniff(Encoding.Latin1.GetBytes(head)));

    [Fact]
    public void Sniff_EmptyFile_IsRefused() => Assert.Null(ContentSniffer.Sniff([]));

    [Fact]
    public void Sniff_JpegPngAndDicom_ByTheirSignatures()
    {
        var dicom = new byte[200];
        "DICM"u8.CopyTo(dicom.AsSpan(128));
        Assert.Equal("image/jpeg", ContentSniffer.Sniff([0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10])?.MediaType);
        Assert.Equal("image/png", ContentSniffer.Sniff([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0])?.MediaType);
        Assert.Equal("application/dicom", ContentSniffer.Sniff(dicom)?.MediaType);
    }

    [Fact]
    public void Sniff_WordDocument_IsDocx_ButAnotherZipIsRefused()
    {
        Assert.Equal(".docx", ContentSniffer.Sniff(Zip("[Content_Types].xml", "_rels/.rels", "word/document.xml"))?.Extension);
        Assert.Null(ContentSniffer.Sniff(Zip("META-INF/MANIFEST.MF", "com/evil/Main.class")));
        Assert.Null(ContentSniffer.Sniff(Zip("[Content_Types].xml", "_rels/.rels", "xl/workbook.xml")));
    }

    [Fact]
    public void Sniff_TextCutInTheMiddleOfACharacter_IsStillText()
    {
        var bytes = Encoding.UTF8.GetBytes("Résumé ✓");
        Assert.NotNull(ContentSniffer.Sniff(bytes.AsSpan(0, bytes.Length - 1)));
    }

    private static byte[] Zip(params string[] names)
    {
        using var memory = new MemoryStream();
        using (var zip = new ZipArchive(memory, ZipArchiveMode.Create, leaveOpen: true))
        {
            foreach (var name in names)
            {
                using var writer = new StreamWriter(zip.CreateEntry(name).Open());
                writer.Write("<x/>");
            }
        }

        return memory.ToArray().AsSpan(0, (int)Math.Min(memory.Length, ContentSniffer.PrefixLength)).ToArray();
    }
}
