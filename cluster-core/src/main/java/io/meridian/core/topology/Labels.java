package io.meridian.core.topology;

import io.meridian.proto.Label;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.pcollections.TreePMap;

/** Conversions between label lists on the wire and the sorted maps the state keeps. */
public final class Labels {

    public static final TreePMap<String, String> NONE = TreePMap.empty();

    private Labels() {
    }

    /** The labels as a sorted map; the list was validated (unique keys). */
    public static TreePMap<String, String> fromProto(List<Label> labels) {
        TreePMap<String, String> map = NONE;
        for (Label label : labels) {
            map = map.plus(label.getKey(), label.getValue());
        }
        return map;
    }

    /** The labels as a list sorted by key. */
    public static List<Label> toProto(Map<String, String> labels) {
        List<Label> out = new ArrayList<>(labels.size());
        labels.forEach((key, value) -> out.add(Label.newBuilder().setKey(key).setValue(value).build()));
        return out;
    }

    /** {@code k=v,k=v}, sorted by key. */
    public static String format(Map<String, String> labels) {
        StringBuilder out = new StringBuilder();
        labels.forEach((key, value) -> {
            if (out.length() > 0) {
                out.append(',');
            }
            out.append(key).append('=').append(value);
        });
        return out.toString();
    }
}
