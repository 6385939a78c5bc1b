namespace PromiseGrid.Hosting.Dashboard;

/// <summary>One file of the page, read once from this assembly's embedded resources (Dashboard/Assets).</summary>
internal sealed class DashboardAsset(byte[] bytes, string contentType)
{
    public static DashboardAsset Load(string name, string contentType)
    {
        var resource = "PromiseGrid.Hosting.Dashboard." + name;
        using var stream = typeof(DashboardAsset).Assembly.GetManifestResourceStream(resource)
            ?? throw new InvalidOperationException($"the dashboard's {name} is not embedded in PromiseGrid.Hosting (resource {resource})");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return new DashboardAsset(copy.ToArray(), contentType);
    }

    public IResult Write(HttpContext http)
    {
        var headers = http.Response.Headers;
        headers.CacheControl = "no-cache";
        headers.XContentTypeOptions = "nosniff";
        // Only this node's own files and its state: no inline script, nothing from elsewhere.
        headers.ContentSecurityPolicy = "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'";
        return Results.Bytes(bytes, contentType);
    }
}
