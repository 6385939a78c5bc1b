namespace PromiseGrid.Modules.Tests.Store;

/// <summary>A fresh folder under the system temp folder, deleted (with what is in it) on dispose.</summary>
public sealed class TempFolder : IDisposable
{
    public TempFolder(string prefix = "pg-store-")
    {
        Path = Directory.CreateTempSubdirectory(prefix).FullName;
    }

    public string Path { get; }

    public string Combine(params string[] parts) => System.IO.Path.Combine([Path, .. parts]);

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // A tmpfs still mounted below, or a file still open: the OS cleans temp folders.
        }
    }
}
