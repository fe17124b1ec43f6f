using Apache.Arrow;
using MLOps.Features.Materialization;
using MLOps.Features.Offline;
using MLOps.Features.Online;

namespace MLOps.Features;

/// <summary>
/// The feature store: one catalogue serving both training (<see cref="GetHistoricalFeaturesAsync(RecordBatch, IReadOnlyList{string}, bool, CancellationToken)"/>)
/// and inference (<see cref="GetOnlineFeaturesAsync"/>), with on-demand transformations run by the same C# functions in both,
/// and materialization between them. Thread-safe.
/// </summary>
public sealed class FeatureStore : IOnlineFeatureReader
{
    /// <summary>Creates the store.</summary>
    /// <param name="catalogue">The definitions.</param>
    /// <param name="onlineStore">The online store.</param>
    /// <param name="watermarks">Where materialization watermarks persist.</param>
    /// <param name="timeProvider">Clock; default <see cref="TimeProvider.System"/>.</param>
    /// <param name="materialization">Materialization options; optional.</param>
    public FeatureStore(FeatureCatalogue catalogue, IOnlineStore onlineStore, IMaterializationWatermarkStore watermarks, TimeProvider? timeProvider = null, MaterializationOptions? materialization = null)
    {
        ArgumentNullException.ThrowIfNull(catalogue);
        ArgumentNullException.ThrowIfNull(onlineStore);
        Catalogue = catalogue;
        OnlineStore = onlineStore;
        Offline = new ParquetOfflineStore(catalogue);
        Materializer = new Materializer(catalogue, onlineStore, watermarks, timeProvider, materialization);
    }

    /// <summary>Gets the definitions.</summary>
    public FeatureCatalogue Catalogue { get; }

    /// <summary>Gets the online store.</summary>
    public IOnlineStore OnlineStore { get; }

    /// <summary>Gets the offline store.</summary>
    public ParquetOfflineStore Offline { get; }

    /// <summary>Gets the materializer.</summary>
    public Materializer Materializer { get; }

    /// <summary>Builds a point-in-time-correct training set; see <see cref="ParquetOfflineStore"/>.</summary>
    /// <param name="entityRows">Entity rows with join keys and <c>event_timestamp</c>.</param>
    /// <param name="features">Feature references.</param>
    /// <param name="fullFeatureNames">Name columns <c>view__feature</c>.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The training set.</returns>
    public Task<HistoricalFeatures> GetHistoricalFeaturesAsync(RecordBatch entityRows, IReadOnlyList<string> features, bool fullFeatureNames = false, CancellationToken cancellationToken = default) =>
        Offline.GetHistoricalFeaturesAsync(entityRows, features, fullFeatureNames, cancellationToken);

    /// <inheritdoc />
    public async ValueTask<OnlineFeaturesResponse> GetOnlineFeaturesAsync(OnlineFeaturesRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var refs = request.FeatureService is { } service ? Catalogue.GetFeatureService(service).Features
            : request.Features ?? throw new FeatureStoreException("The request names neither features nor a feature service.");
        var n = request.RowCount();
        var requested = new List<(FeatureReference Ref, FeatureField Field)>();
        var names = new HashSet<string>(StringComparer.Ordinal);
        var perView = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var r in refs)
        {
            var resolved = Catalogue.Resolve(r);
            if (!names.Add(resolved.Reference.ColumnName(request.FullFeatureNames)))
            {
                throw new FeatureNameCollisionException(resolved.Reference.ColumnName(request.FullFeatureNames));
            }

            requested.Add(resolved);
            var inputs = Catalogue.FindOnDemand(resolved.Reference.View) is { } odfv ? odfv.Inputs.Select(FeatureReference.Parse) : [resolved.Reference];
            foreach (var input in inputs)
            {
                if (!perView.TryGetValue(input.View, out var list))
                {
                    perView[input.View] = list = [];
                }

                if (!list.Contains(input.Feature, StringComparer.Ordinal))
                {
                    list.Add(input.Feature);
                }
            }
        }

        // Read each stored view once, for all its features.
        var read = new Dictionary<string, OnlineFeatureValue[]>(StringComparer.Ordinal);
        var joinKeys = new List<string>();
        foreach (var (viewName, features) in perView)
        {
            var view = Catalogue.GetFeatureView(viewName);
            var keys = new IReadOnlyList<object>[n];
            var keyColumns = view.JoinKeys.Select(k => request.Entities.TryGetValue(k, out var c) ? c
                : throw new FeatureStoreException($"The request has no entity column '{k}', the join key of feature view '{view.Name}'.")).ToArray();
            foreach (var k in view.JoinKeys)
            {
                if (!joinKeys.Contains(k, StringComparer.Ordinal))
                {
                    joinKeys.Add(k);
                }
            }

            for (var i = 0; i < n; i++)
            {
                var key = new object[keyColumns.Length];
                for (var k = 0; k < key.Length; k++)
                {
                    key[k] = keyColumns[k][i] ?? throw new FeatureStoreException($"Entity column '{view.JoinKeys[k]}' is null at row {i}.");
                }

                keys[i] = key;
            }

            var values = await OnlineStore.ReadAsync(view, keys, features, cancellationToken).ConfigureAwait(false);
            for (var f = 0; f < features.Count; f++)
            {
                read[viewName + ":" + features[f]] = [.. values.Select(row => row[f])];
            }
        }

        var columns = new List<OnlineFeatureColumn>();
        foreach (var k in joinKeys)
        {
            var values = request.Entities[k];
            columns.Add(new OnlineFeatureColumn(k, values, [.. Enumerable.Repeat(FeatureStatus.Present, n)], [.. Enumerable.Repeat(DateTimeOffset.UnixEpoch, n)]));
        }

        foreach (var (r, field) in requested)
        {
            var name = r.ColumnName(request.FullFeatureNames);
            if (Catalogue.FindOnDemand(r.View) is { } odfv)
            {
                columns.Add(ComputeOnDemand(odfv, field, name, request, read, n));
            }
            else
            {
                var v = read[r.ToString()];
                columns.Add(new OnlineFeatureColumn(name, [.. v.Select(static x => x.Value)], [.. v.Select(static x => x.Status)], [.. v.Select(static x => x.EventTimestamp)]));
            }
        }

        return new OnlineFeaturesResponse(columns);
    }

    private static OnlineFeatureColumn ComputeOnDemand(OnDemandFeatureView odfv, FeatureField output, string name, OnlineFeaturesRequest request, Dictionary<string, OnlineFeatureValue[]> read, int n)
    {
        var values = new object?[n];
        var statuses = new FeatureStatus[n];
        var row = new Dictionary<string, object?>(StringComparer.Ordinal);
        for (var i = 0; i < n; i++)
        {
            row.Clear();
            foreach (var input in odfv.Inputs)
            {
                row[FeatureReference.Parse(input).Feature] = read[input][i].Value;
            }

            foreach (var f in odfv.RequestFields)
            {
                row[f.Name] = request.Entities.TryGetValue(f.Name, out var c) ? FeatureValues.Coerce(c[i], f.Type)
                    : throw new FeatureStoreException($"On-demand view '{odfv.Name}' needs the request value '{f.Name}' in the entities.");
            }

            values[i] = FeatureValues.Coerce(odfv.Transform(row).GetValueOrDefault(output.Name), output.Type);
            statuses[i] = values[i] is null ? FeatureStatus.NullValue : FeatureStatus.Present;
        }

        return new OnlineFeatureColumn(name, values, statuses, [.. Enumerable.Repeat(DateTimeOffset.UnixEpoch, n)]);
    }
}
