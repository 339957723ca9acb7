using Amazon.Runtime;

namespace Cortex.Api.SnapStart;

/// <summary>
/// The credentials every AWS client of the app signs with in Lambda: the SDK's default chain,
/// behind one object that <see cref="Reset"/> can empty. Credentials fetched before a SnapStart
/// snapshot belong to the environment that was snapshotted; after a restore the next call fetches
/// its own.
/// </summary>
internal sealed class RestorableAwsCredentials(Func<AWSCredentials> resolve) : AWSCredentials
{
    private AWSCredentials? _inner;

    public override ImmutableCredentials GetCredentials() => Inner.GetCredentials();

    public override Task<ImmutableCredentials> GetCredentialsAsync() => Inner.GetCredentialsAsync();

    public void Reset()
    {
        if (Interlocked.Exchange(ref _inner, null) is RefreshingAWSCredentials refreshing)
        {
            refreshing.ClearCredentials();
        }
    }

    private AWSCredentials Inner
    {
        get
        {
            var inner = Volatile.Read(ref _inner);
            if (inner is not null)
            {
                return inner;
            }

            inner = resolve();
            return Interlocked.CompareExchange(ref _inner, inner, null) ?? inner;
        }
    }
}
