using System.Net;
using System.Text;
using Amazon.S3;
using Amazon.S3.Model;
using Cortex.Api.Ports;

namespace Cortex.Api.Infrastructure.Aws;

/// <summary>The import inbox on S3: objects are streamed with GetObject, reports written with PutObject.</summary>
internal sealed class S3ImportObjects(IAmazonS3 s3) : IImportObjects
{
    public async Task<Stream> OpenAsync(string bucket, string key, string? eTag, CancellationToken cancellationToken)
    {
        try
        {
            var response = await s3.GetObjectAsync(new GetObjectRequest { BucketName = bucket, Key = key, EtagToMatch = eTag }, cancellationToken);
            return response.ResponseStream;
        }
        catch (AmazonS3Exception ex) when (ex.StatusCode == HttpStatusCode.PreconditionFailed)
        {
            throw new ImportObjectChangedException($"s3://{bucket}/{key} was replaced since its import started (ETag {eTag}).");
        }
    }

    public async Task<ImportObjectInfo?> HeadAsync(string bucket, string key, CancellationToken cancellationToken)
    {
        try
        {
            var response = await s3.GetObjectMetadataAsync(bucket, key, cancellationToken);
            return new ImportObjectInfo(response.ContentLength, response.ETag, response.VersionId);
        }
        catch (AmazonS3Exception ex) when (ex.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    public async Task<string?> ReadTextAsync(string bucket, string key, CancellationToken cancellationToken)
    {
        try
        {
            using var response = await s3.GetObjectAsync(bucket, key, cancellationToken);
            using var reader = new StreamReader(response.ResponseStream, Encoding.UTF8);
            return await reader.ReadToEndAsync(cancellationToken);
        }
        catch (AmazonS3Exception ex) when (ex.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    public Task WriteJsonAsync(string bucket, string key, string json, CancellationToken cancellationToken) =>
        s3.PutObjectAsync(new PutObjectRequest
        {
            BucketName = bucket,
            Key = key,
            ContentBody = json,
            ContentType = "application/json",
        }, cancellationToken);
}
