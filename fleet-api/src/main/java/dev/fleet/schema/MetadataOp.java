package dev.fleet.schema;

/**
 * One operation of {@code PATCH /fleet/v1/machines}: {@code op} add, remove or replace; {@code path}
 * {@code /MACHINE/metadata/KEY}; {@code value} (null for remove, or when the request carried none).
 */
public record MetadataOp(String op, String path, String value) {
    public static MetadataOp add(String machine, String key, String value) {
        return new MetadataOp("add", "/" + machine + "/metadata/" + key, value);
    }

    public static MetadataOp remove(String machine, String key) {
        return new MetadataOp("remove", "/" + machine + "/metadata/" + key, null);
    }
}
