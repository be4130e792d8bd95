package io.upkeep.internal;

import java.util.AbstractMap;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.function.BiFunction;

/**
 * A map that remembers which keys changed since it was last {@linkplain #drainChanges() drained},
 * so the journal writes what a turn changed, not the whole run. Every change goes through {@link
 * #put}, {@link #remove} or {@link #replaceAll}; its views are read-only. Insertion-ordered; not
 * thread-safe.
 */
final class TrackedMap<K, V> extends AbstractMap<K, V> {

  private final Map<K, V> map = new LinkedHashMap<>();
  private Set<K> changed = new LinkedHashSet<>();

  @Override
  public V put(K key, V value) {
    changed.add(key);
    return map.put(key, value);
  }

  @Override
  public V remove(Object key) {
    if (!map.containsKey(key)) {
      return null;
    }
    @SuppressWarnings("unchecked")
    K k = (K) key;
    changed.add(k);
    return map.remove(key);
  }

  @Override
  public void replaceAll(BiFunction<? super K, ? super V, ? extends V> f) {
    for (Map.Entry<K, V> e : map.entrySet()) {
      V next = f.apply(e.getKey(), e.getValue());
      if (next != e.getValue()) {
        changed.add(e.getKey());
        e.setValue(next);
      }
    }
  }

  @Override
  public V get(Object key) {
    return map.get(key);
  }

  @Override
  public boolean containsKey(Object key) {
    return map.containsKey(key);
  }

  @Override
  public int size() {
    return map.size();
  }

  @Override
  public Set<Map.Entry<K, V>> entrySet() {
    return Collections.unmodifiableMap(map).entrySet();
  }

  /** Whether anything changed since the last drain. */
  boolean dirty() {
    return !changed.isEmpty();
  }

  /** The changed keys with their values now (null: removed), forgetting them. */
  Map<K, V> drainChanges() {
    Map<K, V> out = new LinkedHashMap<>();
    for (K k : changed) {
      out.put(k, map.get(k));
    }
    // A new set, not clear(): clearing keeps the capacity of the largest turn, and every later
    // clear would cost it.
    changed = new LinkedHashSet<>();
    return out;
  }
}
